namespace Dynamo.Orleans.Kernels.Caching;

public enum KvBlockEventKind { Stored, Removed }

/// <summary>
/// One change to an engine's prefix cache: a full block registered under its chained hash (<see cref="Parent"/> is the
/// previous block's hash, <see cref="BlockHash.Root"/> for the first), or a cached block evicted because its memory was
/// reused. The hashes are the ones <see cref="BlockHash.Chain"/> computes, so a router can match prompts against them.
/// </summary>
public readonly record struct KvBlockEvent(KvBlockEventKind Kind, ulong Hash, ulong Parent, int TokenCount)
{
    public static KvBlockEvent Stored(ulong parent, ulong hash, int tokenCount) => new(KvBlockEventKind.Stored, hash, parent, tokenCount);
    public static KvBlockEvent Removed(ulong hash) => new(KvBlockEventKind.Removed, hash, 0, 0);
}

/// <summary>The prefix-cache changes of one engine step, in order, under an id one higher than the previous batch's.</summary>
public sealed record KvEventBatch(long Id, IReadOnlyList<KvBlockEvent> Events);

/// <summary>Every block in an engine's prefix cache at the moment its event log stood at <see cref="LastEventId"/>.</summary>
public sealed record KvCacheSnapshot(long LastEventId, int BlockSize, int TotalBlocks, IReadOnlyList<KvBlockEvent> Blocks);
