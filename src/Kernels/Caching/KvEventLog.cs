namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>
/// The recent prefix-cache event batches of one engine, for readers on other threads (routers, through a worker grain).
/// The engine thread appends; a reader asks for what came after the last id it saw. Only the last
/// <see cref="Capacity"/> batches are kept, so memory stays bounded whoever reads or not: a reader that fell further
/// behind is told so (a gap) and must start again from a <see cref="KvCacheSnapshot"/>.
/// </summary>
public sealed class KvEventLog(int capacity = 4096)
{
    private readonly object _gate = new();
    private readonly Queue<KvEventBatch> _batches = new();
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastId;

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "the log keeps at least one batch");

    public long LastEventId
    {
        get { lock (_gate) return _lastId; }
    }

    /// <summary>Adds one step's events as the next batch (the engine thread only).</summary>
    public long Append(IReadOnlyList<KvBlockEvent> events)
    {
        TaskCompletionSource appended;
        long id;
        lock (_gate)
        {
            id = ++_lastId;
            _batches.Enqueue(new KvEventBatch(id, events));
            while (_batches.Count > Capacity) _batches.Dequeue();
            appended = _appended;
            _appended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        appended.TrySetResult();
        return id;
    }

    /// <summary>
    /// The batches after <paramref name="afterId"/> (at most <paramref name="maxBatches"/>), or a gap when some of them
    /// are no longer kept or the id is one this log never gave out.
    /// </summary>
    public (IReadOnlyList<KvEventBatch> Batches, bool Gap) ReadAfter(long afterId, int maxBatches)
    {
        lock (_gate)
        {
            if (afterId > _lastId || afterId < 0) return ([], true);
            if (afterId == _lastId) return ([], false);
            long oldest = _batches.Count == 0 ? _lastId + 1 : _batches.Peek().Id;
            if (afterId + 1 < oldest) return ([], true);
            return (_batches.SkipWhile(b => b.Id <= afterId).Take(maxBatches).ToList(), false);
        }
    }

    /// <summary>Completes when a batch after <paramref name="afterId"/> exists, or after <paramref name="maxWait"/>.</summary>
    public async Task WaitAfterAsync(long afterId, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        Task appended;
        lock (_gate)
        {
            if (_lastId != afterId) return;
            appended = _appended.Task;
        }
        try
        {
            await appended.WaitAsync(maxWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Nothing new: the caller answers with an empty page and asks again.
        }
    }
}
