using Dynamo.Orleans.Kernels.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Model;

/// <summary>Weights of one decoder layer. q/k/v and gate/up are fused at load so a step runs one matmul for each pair.</summary>
public sealed class LlamaLayerWeights : IDisposable
{
    public required Tensor InputNorm { get; init; }
    public required Tensor QkvProj { get; init; }
    public Tensor? QkvBias { get; init; }
    public required Tensor OProj { get; init; }
    public required Tensor PostAttentionNorm { get; init; }
    public required Tensor GateUpProj { get; init; }
    public required Tensor DownProj { get; init; }

    public void Dispose()
    {
        InputNorm.Dispose(); QkvProj.Dispose(); QkvBias?.Dispose(); OProj.Dispose();
        PostAttentionNorm.Dispose(); GateUpProj.Dispose(); DownProj.Dispose();
    }
}

/// <summary>All weights of a Llama-family model, in the compute dtype, on the compute device.</summary>
public sealed class LlamaWeights : IDisposable
{
    /// <summary>Reads one named tensor of the given shape, already converted to the compute dtype and device.</summary>
    public delegate Tensor TensorSource(string name, long[] shape);

    public required Tensor Embedding { get; init; }
    public required IReadOnlyList<LlamaLayerWeights> Layers { get; init; }
    public required Tensor FinalNorm { get; init; }
    /// <summary>The output head; the same tensor as <see cref="Embedding"/> when the config ties them.</summary>
    public required Tensor LmHead { get; init; }

    public static LlamaWeights Load(ModelConfig config, TensorSource source)
    {
        long hidden = config.HiddenSize, inter = config.IntermediateSize, d = config.HeadDim;
        long q = config.NumAttentionHeads * d, kv = config.NumKeyValueHeads * d;
        var layers = new List<LlamaLayerWeights>(config.NumHiddenLayers);
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.";
            Tensor Fuse(params (string Name, long[] Shape)[] parts)
            {
                var loaded = parts.Select(x => source(p + x.Name, x.Shape)).ToArray();
                var fused = cat(loaded, 0);
                foreach (var t in loaded) t.Dispose();
                return fused;
            }
            layers.Add(new LlamaLayerWeights
            {
                InputNorm = source(p + "input_layernorm.weight", [hidden]),
                QkvProj = Fuse(("self_attn.q_proj.weight", [q, hidden]), ("self_attn.k_proj.weight", [kv, hidden]), ("self_attn.v_proj.weight", [kv, hidden])),
                QkvBias = config.AttentionBias
                    ? Fuse(("self_attn.q_proj.bias", [q]), ("self_attn.k_proj.bias", [kv]), ("self_attn.v_proj.bias", [kv]))
                    : null,
                OProj = source(p + "self_attn.o_proj.weight", [hidden, q]),
                PostAttentionNorm = source(p + "post_attention_layernorm.weight", [hidden]),
                GateUpProj = Fuse(("mlp.gate_proj.weight", [inter, hidden]), ("mlp.up_proj.weight", [inter, hidden])),
                DownProj = source(p + "mlp.down_proj.weight", [hidden, inter]),
            });
        }
        var embedding = source("model.embed_tokens.weight", [config.VocabSize, hidden]);
        return new LlamaWeights
        {
            Embedding = embedding,
            Layers = layers,
            FinalNorm = source("model.norm.weight", [hidden]),
            LmHead = config.TieWordEmbeddings ? embedding : source("lm_head.weight", [config.VocabSize, hidden]),
        };
    }

    public void Dispose()
    {
        foreach (var layer in Layers) layer.Dispose();
        FinalNorm.Dispose();
        if (!ReferenceEquals(LmHead, Embedding)) LmHead.Dispose();
        Embedding.Dispose();
    }
}
