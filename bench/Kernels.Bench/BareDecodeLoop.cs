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
    private readonly ModelConfig _config;
    private readonly LlamaWeights _weights;
    private readonly RotaryEmbedding _rope;
    private readonly Tensor[] _keys, _values;
    private readonly int _batch;
    private int _length;

    public BareDecodeLoop(ModelConfig config, LlamaWeights weights, ScalarType dtype, int batch, int maxLength)
    {
        _config = config;
        _weights = weights;
        _batch = batch;
        _rope = new RotaryEmbedding(config, maxLength, dtype, CPU);
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (int l = 0; l < _keys.Length; l++)
        {
            _keys[l] = zeros([batch, config.NumKeyValueHeads, maxLength, config.HeadDim], dtype);
            _values[l] = zeros([batch, config.NumKeyValueHeads, maxLength, config.HeadDim], dtype);
        }
    }

    /// <summary>Feeds <paramref name="tokens"/> [batch, n] at the current position; returns greedy next tokens.</summary>
    public long[] Step(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        int h = _config.NumAttentionHeads, kvh = _config.NumKeyValueHeads, d = _config.HeadDim, g = h / kvh;
        long n = tokens.shape[1];
        var positions = arange(_length, _length + n, dtype: ScalarType.Int64);
        var (cosT, sinT) = _rope.Lookup(positions);
        var x = _weights.Embedding.index_select(0, tokens.reshape(-1)); // [batch*n, hidden]
        for (int l = 0; l < _weights.Layers.Count; l++)
        {
            var w = _weights.Layers[l];
            var qkv = F.linear(RmsNorm.Apply(x, w.InputNorm, _config.RmsNormEps), w.QkvProj, w.QkvBias);
            var parts = qkv.split([h * d, kvh * d, kvh * d], -1);
            var q = RotaryEmbedding.Apply(parts[0].reshape(_batch, n, h, d), cosT.view(1, n, 1, d), sinT.view(1, n, 1, d));
            var k = RotaryEmbedding.Apply(parts[1].reshape(_batch, n, kvh, d), cosT.view(1, n, 1, d), sinT.view(1, n, 1, d));
            var v = parts[2].reshape(_batch, n, kvh, d);
            _keys[l].narrow(2, _length, n).copy_(k.permute(0, 2, 1, 3));
            _values[l].narrow(2, _length, n).copy_(v.permute(0, 2, 1, 3));
            var kAll = _keys[l].narrow(2, 0, _length + n);
            var vAll = _values[l].narrow(2, 0, _length + n);
            Tensor o;
            if (n == 1)
            {
                var qg = q.reshape(_batch, kvh, g, d);
                o = F.scaled_dot_product_attention(qg, kAll, vAll).reshape(_batch * n, h * d);
            }
            else
            {
                var kr = kAll.repeat_interleave(g, 1);
                var vr = vAll.repeat_interleave(g, 1);
                o = F.scaled_dot_product_attention(q.permute(0, 2, 1, 3), kr, vr, is_casual: _length == 0)
                     .permute(0, 2, 1, 3).reshape(_batch * n, h * d);
            }
            x = x.add_(F.linear(o, w.OProj));
            var gu = F.linear(RmsNorm.Apply(x, w.PostAttentionNorm, _config.RmsNormEps), w.GateUpProj).chunk(2, -1);
            x = x.add_(F.linear(F.silu(gu[0]).mul_(gu[1]), w.DownProj));
        }
        _length += (int)n;
        var last = x.view(_batch, n, -1).select(1, n - 1);
        var logits = F.linear(RmsNorm.Apply(last, _weights.FinalNorm, _config.RmsNormEps), _weights.LmHead);
        return logits.argmax(-1).data<long>().ToArray();
    }

    public void Reset() => _length = 0;

    public void Dispose()
    {
        _rope.Dispose();
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
    }
}
