using Dynamo.Orleans.Kernels.Checkpoints;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Model;

/// <summary>
/// Rotary position embedding in Hugging Face's rotate-half layout, with Llama 3.1's "llama3" frequency scaling.
/// cos/sin tables are computed once in float64 and cast to the compute dtype, as HF does, then indexed by position.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _cos;
    private readonly Tensor _sin;

    public RotaryEmbedding(ModelConfig config, int maxPositions, ScalarType dtype, Device device)
    {
        int d = config.HeadDim;
        var invFreq = new double[d / 2];
        for (int i = 0; i < d / 2; i++) invFreq[i] = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / d);
        if (config.RopeScaling is { Type: "llama3" } s) invFreq = ScaleLlama3(invFreq, s);

        // HF computes freqs = positions x inv_freq in float32; doing the same keeps logits equal to HF's within tolerance.
        using var scope = NewDisposeScope();
        var inv = tensor(invFreq.Select(x => (float)x).ToArray());
        var freqs = outer(arange(maxPositions, dtype: ScalarType.Float32), inv);
        var emb = cat([freqs, freqs], -1);
        _cos = emb.cos().to(dtype).to(device).contiguous().MoveToOuterDisposeScope();
        _sin = emb.sin().to(dtype).to(device).contiguous().MoveToOuterDisposeScope();
        MaxPositions = maxPositions;
    }

    public int MaxPositions { get; }

    private static double[] ScaleLlama3(double[] invFreq, RopeScaling s)
    {
        double lowWavelen = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        double highWavelen = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        var result = new double[invFreq.Length];
        for (int i = 0; i < invFreq.Length; i++)
        {
            double wavelen = 2 * Math.PI / invFreq[i];
            if (wavelen < highWavelen) result[i] = invFreq[i];
            else if (wavelen > lowWavelen) result[i] = invFreq[i] / s.Factor;
            else
            {
                double smooth = (s.OriginalMaxPositionEmbeddings / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
                result[i] = (1 - smooth) * invFreq[i] / s.Factor + smooth * invFreq[i];
            }
        }
        return result;
    }

    /// <summary>Per-token tables for the given positions, shaped [T, 1, D] to broadcast over heads.</summary>
    public (Tensor Cos, Tensor Sin) Lookup(Tensor positions) =>
        (_cos.index_select(0, positions).unsqueeze(1), _sin.index_select(0, positions).unsqueeze(1));

    /// <summary>x: [T, heads, D]; returns x*cos + rotate_half(x)*sin. Call inside a dispose scope.</summary>
    public static Tensor Apply(Tensor x, Tensor cosT, Tensor sinT)
    {
        long half = x.shape[^1] / 2;
        var rotated = cat([x.narrow(-1, half, half).neg(), x.narrow(-1, 0, half)], -1);
        return x.mul(cosT).add_(rotated.mul_(sinT));
    }

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}
