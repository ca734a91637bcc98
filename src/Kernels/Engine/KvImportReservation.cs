using Dynamo.Orleans.Kernels.Caching;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// Blocks set aside in a decode engine for pages still arriving. Layer groups may be written in any order as they come,
/// from any thread (a copy from a peer's pool, a socket): each write is bracketed by <see cref="TryBeginWrite"/> and
/// <see cref="EndWrite"/>, so cancelling while a write is in flight returns the blocks only when it has finished —
/// never while bytes are still landing in them. Committing turns the reservation into a running sequence.
/// </summary>
public sealed class KvImportReservation
{
    private readonly object _gate = new();
    private readonly Action<BlockTable> _release;
    private int _writers;
    private bool _closed;
    private bool _releaseWhenIdle;

    internal KvImportReservation(long id, int tokenCount, BlockTable table, Action<BlockTable> release)
    {
        Id = id;
        TokenCount = tokenCount;
        Table = table;
        _release = release;
    }

    public long Id { get; }
    public int TokenCount { get; }
    public IReadOnlyList<int> Blocks => Table.Blocks;
    internal BlockTable Table { get; }

    /// <summary>False once the reservation was committed or cancelled: nothing may be written into its blocks then.</summary>
    public bool TryBeginWrite()
    {
        lock (_gate)
        {
            if (_closed) return false;
            _writers++;
            return true;
        }
    }

    public void EndWrite()
    {
        bool release;
        lock (_gate)
        {
            _writers--;
            release = _releaseWhenIdle && _writers == 0;
            if (release) _releaseWhenIdle = false;
        }
        if (release) _release(Table);
    }

    /// <summary>Closes the reservation to writers; true when none is in flight (the caller may use the blocks now).</summary>
    internal bool Close(bool releaseWhenIdle)
    {
        lock (_gate)
        {
            _closed = true;
            if (_writers == 0) return true;
            _releaseWhenIdle = releaseWhenIdle;
            return false;
        }
    }
}
