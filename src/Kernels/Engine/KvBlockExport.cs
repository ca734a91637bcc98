using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Transfer;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// One layer group of a sequence's KV, exported by reference: the blocks (in <see cref="Pool"/>) that hold it, pinned —
/// no other sequence can take or overwrite them — until <see cref="Release"/>. Their contents are final: the step that
/// completed the prompt wrote them and nothing writes them again.
/// </summary>
public sealed class KvBlockExport
{
    private readonly Action _release;
    private int _released;

    /// <param name="release">Unpins the blocks; called once.</param>
    public KvBlockExport(KvPageDescriptor descriptor, IReadOnlyList<int> blocks, KvPool pool, Action release)
    {
        Descriptor = descriptor;
        Blocks = blocks;
        Pool = pool;
        _release = release;
    }

    public KvPageDescriptor Descriptor { get; }
    /// <summary>The sequence's blocks in token order; <see cref="Descriptor"/> says which layers of them this group covers.</summary>
    public IReadOnlyList<int> Blocks { get; }
    public KvPool Pool { get; }
    public bool Released => Volatile.Read(ref _released) != 0;

    /// <summary>Unpins the blocks (once; later calls do nothing). Safe from any thread.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _release();
    }
}
