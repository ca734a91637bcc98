using System.Runtime.InteropServices;
using TorchSharp;

namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>
/// A tensor on its way into a safetensors file: its header entry, and a callback that writes exactly its bytes.
/// A callback rather than a buffer lets a generator stream a gigabyte of weights without holding them in memory.
/// </summary>
public sealed record SafetensorsTensor(string Name, SafetensorsDtype Dtype, long[] Shape, Action<Stream> WriteData)
{
    public long ByteLength => Shape.Aggregate(1L, (a, b) => a * b) * Dtype.ElementSize();

    public static SafetensorsTensor FromBytes(string name, SafetensorsDtype dtype, long[] shape, byte[] data) =>
        new(name, dtype, shape, stream => stream.Write(data));

    /// <summary>Snapshot of a torch tensor (any device, any layout) in its own dtype, which must be BF16, F16 or F32.</summary>
    public static SafetensorsTensor FromTorch(string name, torch.Tensor tensor)
    {
        var dtype = SafetensorsDtypes.FromScalarType(tensor.dtype);
        using var cpu = tensor.detach().cpu().contiguous();
        // Copied now, so the caller may dispose or mutate the tensor before the file is written.
        var data = cpu.numel() == 0 ? [] : cpu.bytes.ToArray();
        return FromBytes(name, dtype, tensor.shape, data);
    }

    /// <summary>Values in a managed array of the matching element type (float for F32, Half for F16, raw ushort bits for BF16).</summary>
    public static SafetensorsTensor FromValues<T>(string name, SafetensorsDtype dtype, long[] shape, T[] values) where T : unmanaged
    {
        if (Marshal.SizeOf<T>() != dtype.ElementSize())
            throw new ArgumentException($"{typeof(T).Name} does not match dtype {dtype.HeaderName()}.", nameof(values));
        return FromBytes(name, dtype, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
    }
}
