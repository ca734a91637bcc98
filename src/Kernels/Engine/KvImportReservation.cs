using Dynamo.Orleans.Kernels.Caching;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// Blocks set aside in a decode engine for pages still arriving. Layer groups may be written in any order as they come;
/// committing turns the reservation into a running sequence, cancelling returns the blocks.
/// </summary>
public sealed class KvImportReservation
{
    internal KvImportReservation(long id, int tokenCount, BlockTable table)
    {
        Id = id;
        TokenCount = tokenCount;
        Table = table;
    }

    public long Id { get; }
    public int TokenCount { get; }
    public IReadOnlyList<int> Blocks => Table.Blocks;
    internal BlockTable Table { get; }
}
