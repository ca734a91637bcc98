using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Checkpoints;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Dynamo.Orleans.Kernels.Model;

/// <summary>
/// The Llama-family decoder (Llama, Mistral, Qwen2): embeddings, N layers of RMSNorm → GQA attention with RoPE →
/// RMSNorm → SwiGLU MLP, a final norm and the LM head. Two entry points: <see cref="Forward"/> runs a flattened step
/// against the paged KV cache; <see cref="ForwardWithoutCache"/> is the plain textbook forward that tests compare to.
/// Both must be called inside a dispose scope on the engine's thread.
/// </summary>
public sealed class LlamaModel : IDisposable
{
    private readonly LlamaWeights _weights;
    private readonly RotaryEmbedding _rope;
    private readonly int _heads, _kvHeads, _headDim, _group;
    private readonly double _eps;

    public LlamaModel(ModelConfig config, LlamaWeights weights, ScalarType dtype, Device device, int maxPositions)
    {
        Config = config;
        _weights = weights;
        DType = dtype;
        Device = device;
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _group = _heads / _kvHeads;
        _eps = config.RmsNormEps;
        _rope = new RotaryEmbedding(config, maxPositions, dtype, device);
    }

    public ModelConfig Config { get; }
    public ScalarType DType { get; }
    public Device Device { get; }
    public int MaxPositions => _rope.MaxPositions;
    public int GroupSize => _group;

    /// <summary>
    /// Bytes of weights one batch-1 decode step reads: every layer and the LM head. An untied embedding table is not
    /// counted: a step reads one row of it.
    /// </summary>
    public long StepWeightBytes
    {
        get
        {
            long Bytes(Tensor t) => t.numel() * t.ElementSize;
            long sum = Bytes(_weights.LmHead) + Bytes(_weights.FinalNorm);
            foreach (var l in _weights.Layers)
                sum += Bytes(l.InputNorm) + Bytes(l.QkvProj) + (l.QkvBias is null ? 0 : Bytes(l.QkvBias)) + Bytes(l.OProj)
                     + Bytes(l.PostAttentionNorm) + Bytes(l.GateUpProj) + Bytes(l.DownProj);
            return sum;
        }
    }

    /// <summary>Runs one step; writes the new tokens' K/V into <paramref name="cache"/>; returns float32 logits [LogitRows, vocab].</summary>
    /// <param name="afterLayer">Called with each layer's index once its K/V are in the cache (KV export hooks in here).</param>
    public Tensor Forward(ForwardBatch batch, KvCache cache, Action<int>? afterLayer = null)
    {
        var (cosT, sinT) = _rope.Lookup(batch.Positions);
        var h = _weights.Embedding.index_select(0, batch.InputIds);
        for (int layer = 0; layer < _weights.Layers.Count; layer++)
        {
            var w = _weights.Layers[layer];
            var (q, k, v) = Project(RmsNorm.Apply(h, w.InputNorm, _eps), w, cosT, sinT);
            cache.Write(layer, batch.Slots, k, v);
            afterLayer?.Invoke(layer);
            var attention = Attend(batch, cache, layer, q, k, v);
            h = h.add_(F.linear(attention, w.OProj));
            h = h.add_(Mlp(RmsNorm.Apply(h, w.PostAttentionNorm, _eps), w));
        }
        var last = h.index_select(0, batch.LogitRows);
        return F.linear(RmsNorm.Apply(last, _weights.FinalNorm, _eps), _weights.LmHead).to(ScalarType.Float32);
    }

    /// <summary>The reference: a full causal forward over <paramref name="tokens"/> with no cache; float32 logits [n, vocab].</summary>
    public Tensor ForwardWithoutCache(IReadOnlyList<int> tokens)
    {
        int n = tokens.Count;
        var ids = tensor(tokens.Select(x => (long)x).ToArray(), ScalarType.Int64).to(Device);
        var (cosT, sinT) = _rope.Lookup(arange(n, dtype: ScalarType.Int64, device: Device));
        var h = _weights.Embedding.index_select(0, ids);
        foreach (var w in _weights.Layers)
        {
            var (q, k, v) = Project(RmsNorm.Apply(h, w.InputNorm, _eps), w, cosT, sinT);
            // Expand K/V to every query head and let SDPA apply the causal mask: a different path from Forward's.
            var kh = k.repeat_interleave(_group, 1).permute(1, 0, 2);
            var vh = v.repeat_interleave(_group, 1).permute(1, 0, 2);
            var o = F.scaled_dot_product_attention(q.permute(1, 0, 2), kh, vh, is_casual: true);
            h = h.add_(F.linear(o.permute(1, 0, 2).reshape(n, _heads * _headDim), w.OProj));
            h = h.add_(Mlp(RmsNorm.Apply(h, w.PostAttentionNorm, _eps), w));
        }
        return F.linear(RmsNorm.Apply(h, _weights.FinalNorm, _eps), _weights.LmHead).to(ScalarType.Float32);
    }

    private (Tensor Q, Tensor K, Tensor V) Project(Tensor x, LlamaLayerWeights w, Tensor cosT, Tensor sinT)
    {
        long t = x.shape[0];
        var qkv = F.linear(x, w.QkvProj, w.QkvBias);
        var parts = qkv.split([_heads * _headDim, _kvHeads * _headDim, _kvHeads * _headDim], -1);
        var q = RotaryEmbedding.Apply(parts[0].reshape(t, _heads, _headDim), cosT, sinT);
        var k = RotaryEmbedding.Apply(parts[1].reshape(t, _kvHeads, _headDim), cosT, sinT);
        var v = parts[2].reshape(t, _kvHeads, _headDim);
        return (q, k, v);
    }

    private Tensor Mlp(Tensor x, LlamaLayerWeights w)
    {
        var gateUp = F.linear(x, w.GateUpProj);
        var parts = gateUp.chunk(2, -1);
        return F.linear(F.silu(parts[0]).mul_(parts[1]), w.DownProj);
    }

    private Tensor Attend(ForwardBatch batch, KvCache cache, int layer, Tensor q, Tensor k, Tensor v)
    {
        var outputs = new List<Tensor>(1 + batch.Prefills.Count);
        if (batch.DecodeCount > 0)
        {
            int b = batch.DecodeCount;
            // Fold the query heads of each KV head into one "group" axis: GQA without copying K/V per query head.
            var qd = q.narrow(0, 0, b).view(b, _kvHeads, _group, _headDim);
            var (kAll, vAll) = cache.Gather(layer, batch.DecodeBlockIds!);
            long keysPerSeq = kAll.shape[0] / b;
            var kd = kAll.view(b, keysPerSeq, _kvHeads, _headDim).permute(0, 2, 1, 3);
            var vd = vAll.view(b, keysPerSeq, _kvHeads, _headDim).permute(0, 2, 1, 3);
            var od = F.scaled_dot_product_attention(qd, kd, vd, batch.DecodeMask);
            outputs.Add(od.reshape(b, _heads * _headDim));
        }
        foreach (var seg in batch.Prefills)
        {
            int n = seg.Length, keys = seg.Start + n;
            if (seg.Mask is null)
            {
                // A chunk with no cached prefix: plain causal attention, which lets SDPA take its fused (flash) path.
                // 4-D [1, heads, n, D]: the layout the fused CPU kernel expects.
                var qh = q.narrow(0, seg.Offset, n).permute(1, 0, 2).unsqueeze(0);
                var kh = k.narrow(0, seg.Offset, n).repeat_interleave(_group, 1).permute(1, 0, 2).unsqueeze(0);
                var vh = v.narrow(0, seg.Offset, n).repeat_interleave(_group, 1).permute(1, 0, 2).unsqueeze(0);
                var oh = F.scaled_dot_product_attention(qh, kh, vh, is_casual: true);
                outputs.Add(oh.squeeze(0).permute(1, 0, 2).reshape(n, _heads * _headDim));
                continue;
            }
            // After a cached prefix the causal mask is offset (SDPA's is_causal would align it top-left), so pass it.
            var qs = q.narrow(0, seg.Offset, n).permute(1, 0, 2).reshape(_kvHeads, _group * n, _headDim);
            var (kAll, vAll) = cache.Gather(layer, seg.BlockIds!);
            var ks = kAll.narrow(0, 0, keys);
            var vs = vAll.narrow(0, 0, keys);
            var os = F.scaled_dot_product_attention(qs, ks.permute(1, 0, 2), vs.permute(1, 0, 2), seg.Mask);
            outputs.Add(os.view(_kvHeads, _group, n, _headDim).reshape(_heads, n, _headDim).permute(1, 0, 2).reshape(n, _heads * _headDim));
        }
        return outputs.Count == 1 ? outputs[0] : cat(outputs, 0);
    }

    public void Dispose()
    {
        _rope.Dispose();
        _weights.Dispose();
    }
}
