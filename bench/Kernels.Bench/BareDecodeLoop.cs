using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Dynamo.Orleans.Kernels.Bench;

/// <summary>
/// The baseline: the same weights and the same per-layer math as <see cref="LlamaModel"/>, but a contiguous KV cache per
/// batch and no scheduler, no block tables, no sampling — the fastest plain loop we know how to write with TorchSharp.
/// </summary>
internal sealed class BareDecodeLoop : IDisposable
{
    private readonly ModelConfig config;
    private readonly LlamaWeights weights;
    private readonly RotaryEmbedding rope;
    private readonly Tensor[] keys, values;
    private readonly int batch;
    private int length;

    public BareDecodeLoop(ModelConfig config, LlamaWeights weights, ScalarType dtype, int batch, int maxLength)
    {
        this.config = config;
        this.weights = weights;
        this.batch = batch;
        rope = new RotaryEmbedding(config, maxLength, dtype, CPU);
        keys = new Tensor[config.NumHiddenLayers];
        values = new Tensor[config.NumHiddenLayers];
        for (int l = 0; l < keys.Length; l++)
        {
            keys[l] = zeros([batch, config.NumKeyValueHeads, maxLength, config.HeadDim], dtype);
            values[l] = zeros([batch, config.NumKeyValueHeads, maxLength, config.HeadDim], dtype);
        }
    }

    /// <summary>Feeds <paramref name="tokens"/> [batch, n] at the current position; returns greedy next tokens.</summary>
    public long[] Step(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        int h = config.NumAttentionHeads, kvh = config.NumKeyValueHeads, d = config.HeadDim, g = h / kvh;
        long n = tokens.shape[1];
        var positions = arange(length, length + n, dtype: ScalarType.Int64);
        var (cosT, sinT) = rope.Lookup(positions);
        var x = weights.Embedding.index_select(0, tokens.reshape(-1)); // [batch*n, hidden]
        for (int l = 0; l < weights.Layers.Count; l++)
        {
            var w = weights.Layers[l];
            var qkv = F.linear(RmsNorm.Apply(x, w.InputNorm, config.RmsNormEps), w.QkvProj, w.QkvBias);
            var parts = qkv.split([h * d, kvh * d, kvh * d], -1);
            var q = RotaryEmbedding.Apply(parts[0].reshape(batch, n, h, d), cosT.view(1, n, 1, d), sinT.view(1, n, 1, d));
            var k = RotaryEmbedding.Apply(parts[1].reshape(batch, n, kvh, d), cosT.view(1, n, 1, d), sinT.view(1, n, 1, d));
            var v = parts[2].reshape(batch, n, kvh, d);
            keys[l].narrow(2, length, n).copy_(k.permute(0, 2, 1, 3));
            values[l].narrow(2, length, n).copy_(v.permute(0, 2, 1, 3));
            var kAll = keys[l].narrow(2, 0, length + n);
            var vAll = values[l].narrow(2, 0, length + n);
            Tensor o;
            if (n == 1)
            {
                var qg = q.reshape(batch, kvh, g, d);
                o = F.scaled_dot_product_attention(qg, kAll, vAll).reshape(batch * n, h * d);
            }
            else
            {
                var kr = kAll.repeat_interleave(g, 1);
                var vr = vAll.repeat_interleave(g, 1);
                o = F.scaled_dot_product_attention(q.permute(0, 2, 1, 3), kr, vr, is_casual: length == 0)
                     .permute(0, 2, 1, 3).reshape(batch * n, h * d);
            }
            x = x.add_(F.linear(o, w.OProj));
            var gu = F.linear(RmsNorm.Apply(x, w.PostAttentionNorm, config.RmsNormEps), w.GateUpProj).chunk(2, -1);
            x = x.add_(F.linear(F.silu(gu[0]).mul_(gu[1]), w.DownProj));
        }
        length += (int)n;
        var last = x.view(batch, n, -1).select(1, n - 1);
        var logits = F.linear(RmsNorm.Apply(last, weights.FinalNorm, config.RmsNormEps), weights.LmHead);
        return logits.argmax(-1).data<long>().ToArray();
    }

    public void Reset() => length = 0;

    public void Dispose()
    {
        rope.Dispose();
        foreach (var t in keys) t.Dispose();
        foreach (var t in values) t.Dispose();
    }
}
