namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>One header entry of a safetensors file, validated. <see cref="FileOffset"/> is absolute in the file.</summary>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDtype Dtype, long[] Shape, long FileOffset, long ByteLength)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
