namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>A tensor a model expects to find in its checkpoint, by Hugging Face name, with the shape its config implies.</summary>
public sealed record ExpectedWeight(string Name, long[] Shape)
{
    /// <summary>RMSNorm scales, which initialise near 1 rather than near 0.</summary>
    public bool IsNorm => Name.EndsWith("norm.weight", StringComparison.Ordinal);

    public override string ToString() => $"{Name} {SafetensorsTensorInfo.FormatShape(Shape)}";
}
