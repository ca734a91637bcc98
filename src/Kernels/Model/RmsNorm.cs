using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Model;

/// <summary>RMSNorm as Hugging Face computes it: the variance in float32, the result cast back before the weight.</summary>
/// <remarks>Call inside a dispose scope: temporaries are left to it (some TorchSharp ops return their input).</remarks>
public static class RmsNorm
{
    public static Tensor Apply(Tensor x, Tensor weight, double eps)
    {
        var x32 = x.to(ScalarType.Float32);
        var inv = x32.pow(2).mean([-1L], keepdim: true).add_(eps).rsqrt_();
        return x32.mul(inv).to(x.dtype).mul_(weight);
    }
}
