namespace Dynamo.Orleans.Workers;

public enum KvCacheEventKind { Stored, Removed }

/// <summary>
/// A block entering ("stored": full, registered under its chained hash, <see cref="Parent"/> the previous block's hash)
/// or leaving ("removed": its memory was reused) a worker's prefix cache.
/// </summary>
[GenerateSerializer, Immutable]
public readonly record struct KvCacheEvent(
    [property: Id(0)] KvCacheEventKind Kind,
    [property: Id(1)] ulong Hash,
    [property: Id(2)] ulong Parent,
    [property: Id(3)] int TokenCount);

/// <summary>The prefix-cache events of one engine step; ids rise by one per batch, so a reader sees when it missed one.</summary>
[GenerateSerializer, Immutable]
public sealed record KvCacheEventBatch([property: Id(0)] long EventId, [property: Id(1)] KvCacheEvent[] Events);

/// <summary>What a router asked for: the batches after its last id, or <see cref="Gap"/> when some are gone (ask for a dump).</summary>
[GenerateSerializer, Immutable]
public sealed record KvCacheEventPage([property: Id(0)] KvCacheEventBatch[] Batches, [property: Id(1)] bool Gap);

/// <summary>Every block in a worker's prefix cache, as of event <see cref="LastEventId"/>: where a router (re)starts.</summary>
[GenerateSerializer, Immutable]
public sealed record KvCacheDump(
    [property: Id(0)] long LastEventId,
    [property: Id(1)] int BlockSize,
    [property: Id(2)] int TotalBlocks,
    [property: Id(3)] KvCacheEvent[] Blocks);

/// <summary>
/// The prefix-cache events of one silo's engine (key: the worker key its prefill and decode workers share). Routers
/// long-poll it: <see cref="ReadAfter"/> answers as soon as a step changed the cache, or empty after the wait.
/// </summary>
public interface IKvCacheEventsGrain : IGrainWithStringKey
{
    Task<KvCacheEventPage> ReadAfter(long afterEventId, TimeSpan maxWait);

    Task<KvCacheDump> Dump();
}
