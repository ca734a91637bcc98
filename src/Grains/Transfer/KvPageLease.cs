using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// One offer held by a <see cref="KvPageOutbox"/>: the pages in memory (in-process and TCP) or the shared-memory file.
/// Data-plane connections read the pages while other threads may release or expire the lease, so the bytes are
/// freed only when the lease is retired and no reader is left: a socket never sends from a freed tensor.
/// </summary>
internal sealed class KvPageLease
{
    private readonly object _gate = new();
    private KvPages? _pages;
    private int _readers;
    private bool _retired;

    public KvPageLease(KvPageHandle handle, KvPages? pages)
    {
        Handle = handle;
        _pages = pages;
    }

    public KvPageHandle Handle { get; }
    public long LeaseId => Handle.LeaseId;
    public string? SharedMemoryPath => Handle.SharedMemoryPath;

    /// <summary>Pages in memory, for readers between <see cref="TryBeginRead"/> and <see cref="EndRead"/>.</summary>
    public KvPages Pages => _pages ?? throw new InvalidOperationException($"Lease {LeaseId} holds no pages in memory");

    public bool HasReaders { get { lock (_gate) return _readers > 0; } }

    /// <summary>Registers a reader of the in-memory pages; false once the lease is retired or when it has none.</summary>
    public bool TryBeginRead()
    {
        lock (_gate)
        {
            if (_retired || _pages is null) return false;
            _readers++;
            return true;
        }
    }

    public void EndRead()
    {
        KvPages? free;
        lock (_gate)
        {
            _readers--;
            free = _retired && _readers == 0 ? Detach() : null;
        }
        free?.Dispose();
    }

    /// <summary>Hands the pages to a new owner (in-process pull); null when readers still use them or they are gone.</summary>
    public KvPages? TryTakePages()
    {
        lock (_gate)
        {
            if (_retired || _readers > 0) return null;
            _retired = true;
            return Detach();
        }
    }

    /// <summary>Ends the lease: frees the pages now or when the last reader finishes, and deletes the shared-memory file.</summary>
    public void Retire()
    {
        KvPages? free;
        lock (_gate)
        {
            if (_retired) return;
            _retired = true;
            free = _readers == 0 ? Detach() : null;
        }
        free?.Dispose();
        DeleteSharedMemoryFile();
    }

    public void DeleteSharedMemoryFile()
    {
        if (SharedMemoryPath is null) return;
        try { File.Delete(SharedMemoryPath); }
        catch (DirectoryNotFoundException) { }
    }

    private KvPages? Detach()
    {
        var pages = _pages;
        _pages = null;
        return pages;
    }
}
