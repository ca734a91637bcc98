using Dynamo.Orleans.Kernels.Caching;

namespace Dynamo.Orleans.Kernels.Transfer;

/// <summary>
/// Where arriving KV blocks land: blocks set aside in a pool (a decode engine's import reservation). Every write is
/// bracketed by <see cref="BeginWrite"/> and <see cref="EndWrite"/>: the blocks cannot be given back while bytes still land.
/// </summary>
public interface IKvImportTarget
{
    IKvBlockMemory Memory { get; }
    /// <summary>The reserved blocks in token order.</summary>
    IReadOnlyList<int> Blocks { get; }

    /// <summary>Checks that pages so described fit and opens a write; throws when they do not or the target is closed.</summary>
    void BeginWrite(KvPageDescriptor descriptor);

    void EndWrite();
}
