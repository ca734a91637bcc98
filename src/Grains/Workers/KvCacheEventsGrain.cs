using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Workers;
using Orleans.Concurrency;

namespace Dynamo.Orleans.Grains.Workers;

/// <summary>
/// Serves this silo's engine's prefix-cache events to the routers that follow it. Reentrant: each router keeps one
/// long-poll open here, and a poll only waits on the engine's event log, never on the engine itself.
/// </summary>
[EngineSilo, Reentrant]
public sealed class KvCacheEventsGrain(WorkerEngine engine) : Grain, IKvCacheEventsGrain
{
    // One answer carries at most this many step batches; a router that is further behind asks again at once.
    private const int MaxBatchesPerPage = 256;
    private static readonly TimeSpan LongestWait = TimeSpan.FromSeconds(10);

    public async Task<KvCacheEventPage> ReadAfter(long afterEventId, TimeSpan maxWait)
    {
        var log = engine.Runtime.Engine.CacheEvents;
        var wait = maxWait < TimeSpan.Zero ? TimeSpan.Zero : maxWait > LongestWait ? LongestWait : maxWait;
        await log.WaitAfterAsync(afterEventId, wait);
        var (batches, gap) = log.ReadAfter(afterEventId, MaxBatchesPerPage);
        return new KvCacheEventPage(batches.Select(b => new KvCacheEventBatch(b.Id, b.Events.ToWire())).ToArray(), gap);
    }

    public async Task<KvCacheDump> Dump()
    {
        var snapshot = await engine.Runtime.Engine.SnapshotCacheAsync();
        return new KvCacheDump(snapshot.LastEventId, snapshot.BlockSize, snapshot.TotalBlocks, snapshot.Blocks.ToWire());
    }
}
