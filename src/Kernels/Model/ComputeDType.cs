using Dynamo.Orleans.Kernels.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Model;

/// <summary>
/// Chooses the dtype the model computes in. On CPU float16 matmuls are ~300x slower than bfloat16 (no native kernels),
/// so "auto" maps float16 checkpoints to bfloat16 there, and an explicit float16 request on CPU is refused.
/// </summary>
public static class ComputeDType
{
    public static ScalarType Resolve(string option, ModelConfig config, Device device)
    {
        bool cpu = device.type == DeviceType.CPU;
        switch (option.Trim().ToLowerInvariant())
        {
            case "auto":
                return config.TorchDtype switch
                {
                    "float32" => ScalarType.Float32,
                    "float16" when !cpu => ScalarType.Float16,
                    _ => ScalarType.BFloat16,
                };
            case "bfloat16" or "bf16": return ScalarType.BFloat16;
            case "float32" or "fp32" or "f32": return ScalarType.Float32;
            case "float16" or "fp16" or "f16":
                if (cpu) throw new ArgumentException("dtype float16 is not supported on CPU (no fast kernels there): use bfloat16 or float32");
                return ScalarType.Float16;
            default:
                throw new ArgumentException($"dtype '{option}' is not valid: expected auto, bfloat16, float32 (or float16 on CUDA)");
        }
    }
}
