namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>A sequence's page table: the ids of its KV blocks in position order, and the hashes of the full ones.</summary>
public sealed class BlockTable
{
    public List<int> Blocks { get; } = new();
    /// <summary>Chained hashes of the leading full blocks already registered for reuse (Hashes.Count ≤ Blocks.Count).</summary>
    public List<ulong> Hashes { get; } = new();

    public int Capacity(int blockSize) => Blocks.Count * blockSize;
}
