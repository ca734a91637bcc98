using System.Collections.Concurrent;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>Work sent to a worker since its load was last fetched: it counts as load until the next fetch sees it.</summary>
public readonly record struct SentSinceRefresh(int Requests, long PrefillBlocks, long Blocks);

/// <summary>
/// The router's view of each worker's load: fetched at most every refresh interval, by one fetch per worker at a time,
/// plus what was sent to the worker since the fetch began. One fetch at a time matters: a second, concurrent fetch
/// could return after a request chosen on the first one reached the worker, and that request would then count twice
/// (in the load and in what was sent) for a whole interval, pushing the next turn of its conversation elsewhere.
/// </summary>
public sealed class WorkerLoadCache(Func<WorkerAddress, Task<WorkerLoad?>> fetch, Func<TimeSpan> refreshInterval, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (WorkerLoad? Load, DateTimeOffset At)> _loads = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<WorkerLoad?>>> _fetches = new();
    private readonly ConcurrentDictionary<string, SentSinceRefresh> _sent = new();

    /// <summary>The worker's load, cached for the refresh interval; null when it did not answer.</summary>
    public Task<WorkerLoad?> GetAsync(WorkerAddress worker)
    {
        var key = Key(worker);
        if (_loads.TryGetValue(key, out var cached) && time.GetUtcNow() - cached.At < refreshInterval())
            return Task.FromResult(cached.Load);
        var mine = new Lazy<Task<WorkerLoad?>>(() => FetchAsync(worker, key));
        var running = _fetches.GetOrAdd(key, mine);
        if (ReferenceEquals(running, mine))
            _ = mine.Value.ContinueWith(_ => _fetches.TryRemove(new KeyValuePair<string, Lazy<Task<WorkerLoad?>>>(key, mine)),
                                        CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return running.Value;
    }

    public SentSinceRefresh Sent(WorkerAddress worker) => _sent.GetValueOrDefault(Key(worker));

    /// <summary>A request was sent to the worker: <paramref name="blocks"/> blocks, <paramref name="prefillBlocks"/> of them not cached there.</summary>
    public void Note(WorkerAddress worker, long blocks, long prefillBlocks) =>
        _sent.AddOrUpdate(Key(worker), _ => new SentSinceRefresh(1, prefillBlocks, blocks),
            (_, s) => new SentSinceRefresh(s.Requests + 1, s.PrefillBlocks + prefillBlocks, s.Blocks + blocks));

    private async Task<WorkerLoad?> FetchAsync(WorkerAddress worker, string key)
    {
        // What was sent before this fetch began is (about) in the load it returns; what is sent while it runs is not.
        var sentBefore = _sent.GetValueOrDefault(key);
        var load = await fetch(worker);
        _loads[key] = (load, time.GetUtcNow());
        _sent.AddOrUpdate(key, _ => default, (_, s) =>
            new SentSinceRefresh(Math.Max(0, s.Requests - sentBefore.Requests), Math.Max(0, s.PrefillBlocks - sentBefore.PrefillBlocks),
                                 Math.Max(0, s.Blocks - sentBefore.Blocks)));
        return load;
    }

    // A silo with both roles has a prefill and a decode worker under the same key: the role tells them apart.
    private static string Key(WorkerAddress worker) => $"{worker.Role}:{worker.Key}";
}
