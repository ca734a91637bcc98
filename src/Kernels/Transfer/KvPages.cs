using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Transfer;

/// <summary>
/// What a set of exported KV pages is: enough for the receiver to check that they fit its own cache and where they go.
/// Data layout: [LayerCount, 2 (K, V), BlockCount, BlockSize, KvHeads, HeadDim], row-major, in <see cref="DType"/>.
/// </summary>
public sealed record KvPageDescriptor(int TokenCount, int BlockSize, int LayerStart, int LayerCount, int TotalLayers, int KvHeads, int HeadDim, string DType)
{
    public int BlockCount => (TokenCount + BlockSize - 1) / BlockSize;
    public long[] Shape => [LayerCount, 2, BlockCount, BlockSize, KvHeads, HeadDim];
    public long ByteLength => (long)LayerCount * 2 * BlockCount * BlockSize * KvHeads * HeadDim * ElementSize;
    public int ElementSize => DType switch { "float32" => 4, "bfloat16" or "float16" => 2, _ => throw new NotSupportedException($"KV dtype '{DType}'") };

    public ScalarType ScalarType => DType switch
    {
        "float32" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        _ => throw new NotSupportedException($"KV dtype '{DType}'"),
    };

    public static string NameOf(ScalarType t) => t switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new NotSupportedException($"KV dtype {t}"),
    };
}

/// <summary>A sequence's KV pages copied out of an engine's pool as one contiguous CPU tensor, plus their descriptor.</summary>
public sealed class KvPages : IDisposable
{
    public KvPages(KvPageDescriptor descriptor, Tensor data)
    {
        if (!data.shape.SequenceEqual(descriptor.Shape))
            throw new ArgumentException($"KV data shaped [{string.Join(", ", data.shape)}] does not match its descriptor [{string.Join(", ", descriptor.Shape)}]");
        Descriptor = descriptor;
        Data = data;
    }

    public KvPageDescriptor Descriptor { get; }
    public Tensor Data { get; }

    /// <summary>The raw bytes (for transports that move bytes: shared memory, sockets).</summary>
    public ReadOnlySpan<byte> Bytes => Data.bytes;

    public static KvPages FromBytes(KvPageDescriptor descriptor, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != descriptor.ByteLength)
            throw new ArgumentException($"KV pages need {descriptor.ByteLength} bytes for their descriptor, got {bytes.Length}");
        var data = empty(descriptor.Shape, descriptor.ScalarType);
        bytes.CopyTo(data.bytes);
        return new KvPages(descriptor, data);
    }

    public void Dispose() => Data.Dispose();
}
