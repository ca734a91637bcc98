using TorchSharp;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Runtime;

/// <summary>
/// Resolves the device named in options ("cpu", "cuda", "cuda:N") and fails with one clear message when the
/// build or the machine cannot provide it, instead of letting libtorch throw from deep inside the first kernel.
/// </summary>
public static class TorchDevice
{
    public static torch.Device Resolve(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var text = name.Trim().ToLowerInvariant();
        if (text == "cpu") return torch.CPU;
        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            int index = 0;
            if (text.Length > 4 && !int.TryParse(text.AsSpan(5), out index))
                throw new ArgumentException($"Device '{name}' is not valid: expected cpu, cuda or cuda:N.");
            if (!torch.cuda.is_available())
                throw new InvalidOperationException(
                    $"Device '{name}' was requested but CUDA is not available: this build loaded a CPU-only libtorch or " +
                    "the machine has no CUDA GPU. Use --device cpu, or run a CUDA build (docs/GPU.md).");
            int count = torch.cuda.device_count();
            if (index < 0 || index >= count)
                throw new ArgumentException($"Device '{name}' does not exist: this machine has {count} CUDA device(s).");
            return new torch.Device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"Device '{name}' is not valid: expected cpu, cuda or cuda:N.");
    }
}
