using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// One offer held by a <see cref="KvPageOutbox"/>: a layer group's blocks pinned in the worker's pool. Data-plane
/// connections read the blocks while other threads may release or expire the lease, so the pin is released only when
/// the lease is retired and no reader is left: a socket never sends from blocks another sequence has taken.
/// </summary>
internal sealed class KvPageLease
{
    private readonly object _gate = new();
    private KvBlockExport? _export;
    private int _readers;
    private bool _retired;

    public KvPageLease(KvPageHandle handle, KvBlockExport export)
    {
        Handle = handle;
        _export = export;
    }

    public KvPageHandle Handle { get; }
    public long LeaseId => Handle.LeaseId;

    /// <summary>The pinned blocks, for readers between <see cref="TryBeginRead"/> and <see cref="EndRead"/>.</summary>
    public KvBlockExport Export => _export ?? throw new InvalidOperationException($"Lease {LeaseId} no longer pins its blocks");

    public bool HasReaders { get { lock (_gate) return _readers > 0; } }

    /// <summary>Registers a reader of the pinned blocks; false once the lease is retired.</summary>
    public bool TryBeginRead()
    {
        lock (_gate)
        {
            if (_retired || _export is null) return false;
            _readers++;
            return true;
        }
    }

    public void EndRead()
    {
        KvBlockExport? unpin;
        lock (_gate)
        {
            _readers--;
            unpin = _retired && _readers == 0 ? Detach() : null;
        }
        unpin?.Release();
    }

    /// <summary>Ends the lease: unpins the blocks now, or when the last reader finishes.</summary>
    public void Retire()
    {
        KvBlockExport? unpin;
        lock (_gate)
        {
            if (_retired) return;
            _retired = true;
            unpin = _readers == 0 ? Detach() : null;
        }
        unpin?.Release();
    }

    private KvBlockExport? Detach()
    {
        var export = _export;
        _export = null;
        return export;
    }
}
