namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>
/// Where a checkpoint load stands: reported per copied chunk (at most 64 MiB), so a CLI can draw a bar even while one
/// large embedding is copied. <see cref="BytesLoaded"/> counts stored bytes read so far, against <see cref="TotalBytes"/>.
/// </summary>
public readonly record struct CheckpointLoadProgress(long BytesLoaded, long TotalBytes, string Tensor)
{
    public double Fraction => TotalBytes == 0 ? 1.0 : (double)BytesLoaded / TotalBytes;
}
