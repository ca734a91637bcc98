#!/usr/bin/env python3
"""Batch-1 greedy decode in plain PyTorch eager: the baseline scripts/gpu/check.sh puts beside `dynamo check decode`.

Reads a Hugging Face Llama-family folder (config.json; model.safetensors or shards with model.safetensors.index.json)
with no transformers and no safetensors package, runs the textbook forward (RMSNorm, rotate-half RoPE with "llama3"
scaling, grouped-query attention, SwiGLU) over a preallocated KV cache, and prints one JSON line: decode tokens/s
(after a warm-up run; prefill not timed; one token read back to the host per step, as the engine does), the first 16
ids, and the device-to-device copy bandwidth torch reaches (read + write bytes per second).
"""
import argparse
import json
import math
import os
import struct
import time

import torch
import torch.nn.functional as F

SAFETENSORS_DTYPES = {"BF16": torch.bfloat16, "F16": torch.float16, "F32": torch.float32}
TORCH_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def load_weights(folder, device, dtype):
    index = os.path.join(folder, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    weights = {}
    for name in files:
        with open(os.path.join(folder, name), "rb") as f:
            (length,) = struct.unpack("<Q", f.read(8))  # u64 header length, JSON header, then raw row-major data
            header = json.loads(f.read(length))
            for key, info in header.items():
                if key == "__metadata__":
                    continue
                start, end = info["data_offsets"]
                f.seek(8 + length + start)
                data = bytearray(f.read(end - start))
                tensor = torch.frombuffer(data, dtype=SAFETENSORS_DTYPES[info["dtype"]]).reshape(info["shape"])
                weights[key] = tensor.to(device=device, dtype=dtype)
    return weights


def llama3_inv_freq(inv_freq, scaling):
    # Hugging Face's _compute_llama3_parameters.
    factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
    original = scaling["original_max_position_embeddings"]
    wavelen = 2 * math.pi / inv_freq
    smooth = (original / wavelen - low) / (high - low)
    scaled = torch.where(wavelen > original / low, inv_freq / factor, inv_freq)
    middle = (wavelen <= original / low) & (wavelen >= original / high)
    return torch.where(middle, (1 - smooth) * inv_freq / factor + smooth * inv_freq, scaled)


def rms_norm(x, weight, eps):
    xf = x.float()
    return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype) * weight


# PyTorch 2.5 and later attend grouped queries in SDPA itself; older ones (Debian's 1.13, where this script was tried
# on the CPU) get the same attention written out.
SDPA_GQA = tuple(int(part) for part in torch.__version__.split(".")[:2]) >= (2, 5)


def attend(q, k, v):
    """q [1, heads, t, d] over k, v [1, kv_heads, length, d]; causal when t > 1 (a prefill from position 0)."""
    t = q.shape[2]
    if SDPA_GQA:
        return F.scaled_dot_product_attention(q, k, v, is_causal=t > 1, enable_gqa=True)
    group = q.shape[1] // k.shape[1]
    k, v = k.repeat_interleave(group, 1), v.repeat_interleave(group, 1)
    scores = (q @ k.transpose(-1, -2)).float() / math.sqrt(q.shape[-1])
    if t > 1:
        scores = scores.masked_fill(torch.ones(t, k.shape[2], dtype=torch.bool, device=q.device).triu(1), float("-inf"))
    return scores.softmax(-1).to(q.dtype) @ v


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], -1) * sin


class Llama:
    def __init__(self, config, weights, device, dtype, max_len):
        self.w = weights
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.kv_heads = config["num_key_value_heads"]
        self.head_dim = config.get("head_dim") or config["hidden_size"] // self.heads
        self.eps = config["rms_norm_eps"]
        self.head = weights.get("lm_head.weight", weights["model.embed_tokens.weight"])  # tied embeddings
        d = self.head_dim
        inv_freq = 1.0 / (config.get("rope_theta", 10000.0) ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
        scaling = config.get("rope_scaling")
        if scaling:
            kind = scaling.get("rope_type", scaling.get("type"))
            if kind != "llama3":
                raise SystemExit(f"rope_scaling {kind!r} is not supported here")
            inv_freq = llama3_inv_freq(inv_freq, scaling)
        freqs = torch.outer(torch.arange(max_len, dtype=torch.float32), inv_freq.float())
        emb = torch.cat([freqs, freqs], -1)
        self.cos = emb.cos().to(device=device, dtype=dtype)
        self.sin = emb.sin().to(device=device, dtype=dtype)
        shape = (1, self.kv_heads, max_len, d)
        self.k = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(self.layers)]
        self.v = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(self.layers)]

    def forward(self, ids, pos):
        """ids: [T] at positions pos..pos+T-1 (a prefill starts at 0); returns float32 logits of the last position."""
        w, t, d = self.w, ids.shape[0], self.head_dim
        cos, sin = self.cos[pos:pos + t, None, :], self.sin[pos:pos + t, None, :]
        h = w["model.embed_tokens.weight"][ids]
        for i in range(self.layers):
            p = f"model.layers.{i}."
            x = rms_norm(h, w[p + "input_layernorm.weight"], self.eps)
            q = F.linear(x, w[p + "self_attn.q_proj.weight"], w.get(p + "self_attn.q_proj.bias")).view(t, self.heads, d)
            k = F.linear(x, w[p + "self_attn.k_proj.weight"], w.get(p + "self_attn.k_proj.bias")).view(t, self.kv_heads, d)
            v = F.linear(x, w[p + "self_attn.v_proj.weight"], w.get(p + "self_attn.v_proj.bias")).view(t, self.kv_heads, d)
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
            self.k[i][0, :, pos:pos + t] = k.transpose(0, 1)
            self.v[i][0, :, pos:pos + t] = v.transpose(0, 1)
            keys, values = self.k[i][:, :, :pos + t], self.v[i][:, :, :pos + t]
            o = attend(q.transpose(0, 1)[None], keys, values)
            h = h + F.linear(o[0].transpose(0, 1).reshape(t, self.heads * d), w[p + "self_attn.o_proj.weight"])
            x = rms_norm(h, w[p + "post_attention_layernorm.weight"], self.eps)
            gate = F.silu(F.linear(x, w[p + "mlp.gate_proj.weight"]))
            h = h + F.linear(gate * F.linear(x, w[p + "mlp.up_proj.weight"]), w[p + "mlp.down_proj.weight"])
        return F.linear(rms_norm(h[-1:], w["model.norm.weight"], self.eps), self.head).float()


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.inference_mode()
def greedy(model, prompt, tokens, device):
    """Greedy ids and the seconds from the first token to the last (the decode steps only)."""
    ids = [int(model.forward(torch.tensor(prompt, device=device), 0).argmax(-1))]
    synchronize(device)
    start = time.perf_counter()
    for i in range(tokens - 1):
        logits = model.forward(torch.tensor(ids[-1:], device=device), len(prompt) + i)
        ids.append(int(logits.argmax(-1)))  # one id back to the host per step, as the engine reads its tokens
    synchronize(device)
    return ids, time.perf_counter() - start


def copy_gbps(device, mib=1024, repeats=10):
    """Device-to-device copy bandwidth, counting the bytes read and written (as a decode step's reads are counted)."""
    if device.type != "cuda":
        return None
    source = torch.empty(mib << 20, dtype=torch.uint8, device=device)
    target = torch.empty_like(source)
    target.copy_(source)
    synchronize(device)
    start = time.perf_counter()
    for _ in range(repeats):
        target.copy_(source)
    synchronize(device)
    return 2 * source.numel() * repeats / (time.perf_counter() - start) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="Hugging Face model folder")
    parser.add_argument("--device", default="cuda:0")
    parser.add_argument("--dtype", default="auto", help="auto (config.json's torch_dtype), bfloat16, float16 or float32")
    parser.add_argument("--prompt-ids", default="1,2,3,4,5,6,7,8")
    parser.add_argument("--tokens", type=int, default=128)
    args = parser.parse_args()
    if args.tokens < 2:
        parser.error("--tokens must be at least 2: decode speed is timed from the first token to the last")

    device = torch.device(args.device)
    with open(os.path.join(args.model, "config.json")) as f:
        config = json.load(f)
    dtype = TORCH_DTYPES[config.get("torch_dtype", "bfloat16") if args.dtype == "auto" else args.dtype]
    prompt = [int(x) for x in args.prompt_ids.split(",")]
    model = Llama(config, load_weights(args.model, device, dtype), device, dtype, len(prompt) + args.tokens + 1)

    greedy(model, prompt, min(args.tokens, 16), device)  # warm-up: the first call of each shape is slow
    ids, seconds = greedy(model, prompt, args.tokens, device)
    bandwidth = copy_gbps(device)
    print(json.dumps({
        "torch": torch.__version__,
        "device": str(device),
        "dtype": str(dtype).replace("torch.", ""),
        "decoded_tokens": len(ids) - 1,
        "seconds": round(seconds, 4),
        "tokens_per_second": round((len(ids) - 1) / seconds, 2),
        "copy_gbps": None if bandwidth is None else round(bandwidth, 1),
        "ids": ids[:16],
    }))


if __name__ == "__main__":
    main()
