using System.Diagnostics;
using Dynamo.Orleans.Grains.Diagnostics;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>
/// Picks a worker of a pool for a request, by <see cref="FabricOptions.RouterMode"/>: lowest <see cref="KvRoutingCost"/>
/// given the <see cref="KvIndex"/> (kv), fewest sequences (least-loaded), in turn (round-robin) or at random. Draining
/// and silent workers are never chosen. Loads are fetched from the workers at most every
/// <see cref="FabricOptions.LoadRefreshInterval"/>; what was sent since the last fetch counts as load too, so a burst of
/// requests spreads instead of piling onto the worker that looked idlest.
/// </summary>
public sealed class WorkerRouter(
    WorkerPools pools, KvIndex index, KvIndexFeed feed, IGrainFactory grains, IOptions<FabricOptions> options, ILogger<WorkerRouter> logger)
{
    private readonly WorkerLoadCache _loads = new(worker => FetchLoadAsync(grains, logger, worker), () => options.Value.LoadRefreshInterval,
                                                  TimeProvider.System);
    private readonly Lock _decisions = new();
    private int _roundRobin;

    public IReadOnlyList<WorkerAddress> Pool(WorkerRole role) => pools.Pool(role);

    /// <summary>
    /// A live worker of the pool for <paramref name="tokens"/> (outside <paramref name="exclude"/>), or none. With
    /// <paramref name="busyAbovePendingTokens"/>, a worker whose prefill backlog exceeds it is not taken, and
    /// <see cref="PoolChoice.AllBusy"/> tells when that left none.
    /// </summary>
    public async Task<PoolChoice> ChooseAsync(WorkerRole role, IReadOnlyList<int> tokens, IReadOnlySet<SiloAddress>? exclude = null,
                                              long? busyAbovePendingTokens = null)
    {
        var mode = options.Value.RouterMode;
        if (mode == RouterMode.Kv) feed.EnsureStarted();
        var pool = Pool(role).Where(w => exclude is null || !exclude.Contains(w.Silo)).ToList();
        if (pool.Count == 0) return PoolChoice.None;
        var loads = await Task.WhenAll(pool.Select(_loads.GetAsync));
        var live = new List<(WorkerAddress Worker, WorkerLoad Load)>();
        bool busy = false;
        for (int i = 0; i < pool.Count; i++)
        {
            if (loads[i] is not { Draining: false } load) continue;
            if (busyAbovePendingTokens is { } limit && load.PendingPrefillTokens + SentPrefillTokens(pool[i], load) > limit) { busy = true; continue; }
            live.Add((pool[i], load));
        }
        if (live.Count == 0) return new PoolChoice(null, busy);

        var started = Stopwatch.GetTimestamp();
        WorkerChoice choice;
        // Choosing and counting the choice happen together: two requests deciding at once must see each other, or
        // both would take the worker that looked idlest.
        lock (_decisions)
        {
            choice = mode switch
            {
                RouterMode.Kv => ChooseByCost(live, tokens),
                RouterMode.RoundRobin => ChooseInTurn(live),
                RouterMode.Random => ChooseAtRandom(live),
                _ => ChooseLeastLoaded(live),
            };
            Note(choice, tokens.Count);
        }
        if (role == WorkerRole.Decode)
        {
            FabricMetrics.RouterDecisionTime.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            FabricMetrics.RouterOverlapBlocks.Record(choice.OverlapBlocks);
        }
        return new PoolChoice(choice, false);
    }

    private WorkerChoice ChooseByCost(List<(WorkerAddress Worker, WorkerLoad Load)> live, IReadOnlyList<int> tokens)
    {
        double weight = options.Value.KvOverlapWeight;
        var overlapsByBlockSize = new Dictionary<int, Dictionary<string, int>>();
        WorkerChoice? best = null;
        double bestCost = double.MaxValue;
        int bestSequences = int.MaxValue;
        foreach (var (worker, load) in live)
        {
            int blockSize = Math.Max(1, load.BlockSize);
            if (!overlapsByBlockSize.TryGetValue(blockSize, out var overlaps))
                overlapsByBlockSize[blockSize] = overlaps = index.Match(tokens, blockSize);
            int overlap = overlaps.GetValueOrDefault(worker.Key);
            var sent = _loads.Sent(worker);
            int promptBlocks = (tokens.Count + blockSize - 1) / blockSize;
            long pendingBlocks = (load.PendingPrefillTokens + blockSize - 1) / blockSize + sent.PrefillBlocks;
            double cost = KvRoutingCost.Of(weight, pendingBlocks, promptBlocks, overlap, load.UsedBlocks + sent.Blocks);
            int sequences = load.Running + load.Waiting + sent.Requests;
            // Ties go to the worker with fewer sequences.
            if (cost < bestCost || (cost == bestCost && sequences < bestSequences))
            {
                best = new WorkerChoice(worker, load, overlap);
                bestCost = cost;
                bestSequences = sequences;
            }
        }
        return best!;
    }

    private WorkerChoice ChooseLeastLoaded(List<(WorkerAddress Worker, WorkerLoad Load)> live)
    {
        WorkerChoice? best = null;
        double bestScore = double.MaxValue;
        foreach (var (worker, load) in live)
        {
            double score = load.Running + load.Waiting + _loads.Sent(worker).Requests
                           + (load.TotalBlocks == 0 ? 0 : (double)load.UsedBlocks / load.TotalBlocks);
            if (score < bestScore) { bestScore = score; best = new WorkerChoice(worker, load, 0); }
        }
        return best!;
    }

    private static WorkerChoice ChooseAtRandom(List<(WorkerAddress Worker, WorkerLoad Load)> live)
    {
        var (worker, load) = live[Random.Shared.Next(live.Count)];
        return new WorkerChoice(worker, load, 0);
    }

    private WorkerChoice ChooseInTurn(List<(WorkerAddress Worker, WorkerLoad Load)> live)
    {
        live.Sort((a, b) => string.CompareOrdinal(a.Worker.Key, b.Worker.Key));
        var (worker, load) = live[(int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)live.Count)];
        return new WorkerChoice(worker, load, 0);
    }

    /// <summary>Until the next load fetch, the chosen worker counts this request: its uncached prompt and its blocks.</summary>
    private void Note(WorkerChoice choice, int tokens)
    {
        int blockSize = Math.Max(1, choice.Load.BlockSize);
        int blocks = (tokens + blockSize - 1) / blockSize;
        _loads.Note(choice.Worker, blocks, blocks - choice.OverlapBlocks);
    }

    private long SentPrefillTokens(WorkerAddress worker, WorkerLoad load) => _loads.Sent(worker).PrefillBlocks * Math.Max(1, load.BlockSize);

    public async Task<IReadOnlyList<WorkerLoad>> LoadsAsync(WorkerRole role)
    {
        var loaded = await Task.WhenAll(Pool(role).Select(_loads.GetAsync));
        return loaded.OfType<WorkerLoad>().ToList();
    }

    private static async Task<WorkerLoad?> FetchLoadAsync(IGrainFactory grains, ILogger logger, WorkerAddress worker)
    {
        try
        {
            return worker.Role == WorkerRole.Prefill
                ? await grains.GetGrain<IPrefillWorkerGrain>(worker.Key).GetLoad().WaitAsync(TimeSpan.FromSeconds(5))
                : await grains.GetGrain<IDecodeWorkerGrain>(worker.Key).GetLoad().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Worker {Worker} did not report its load; skipping it", worker.Key);
            return null;
        }
    }
}
