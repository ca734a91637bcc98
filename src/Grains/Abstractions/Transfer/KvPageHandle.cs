namespace Dynamo.Orleans.Transfer;

/// <summary>
/// A reference to one layer group of a sequence's KV: (pool, block ids, layer range), pinned in the producing worker's
/// pool under a lease until the consumer acknowledges. This, never the bytes, is what travels on the "kv-pages" stream;
/// the transport named here moves the bytes. On the wire (TCP) the bytes are in the order
/// [LayerCount, 2, blocks, BlockSize, KvHeads, HeadDim] in <see cref="DType"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record KvPageHandle
{
    [Id(0)] public required string SequenceId { get; init; }
    /// <summary>The producing worker's lease on these pages; releasing it (or its expiry) frees them.</summary>
    [Id(1)] public required long LeaseId { get; init; }
    /// <summary>Which prefill attempt of the sequence produced them; handles of an older epoch are stale.</summary>
    [Id(2)] public required int Epoch { get; init; }
    [Id(3)] public required KvTransportKind Transport { get; init; }
    [Id(4)] public required KvPageLocation Source { get; init; }
    // Id 5 held the path of a per-lease shared-memory copy: pages are no longer copied out of the pool.
    [Id(6)] public required int LayerStart { get; init; }
    [Id(7)] public required int LayerCount { get; init; }
    [Id(8)] public required int TotalLayers { get; init; }
    /// <summary>How many layer groups the sequence's pages were split into (the receiver knows when it has all).</summary>
    [Id(9)] public required int LayerGroups { get; init; }
    [Id(10)] public required int TokenCount { get; init; }
    [Id(11)] public required int BlockSize { get; init; }
    [Id(12)] public required int KvHeads { get; init; }
    [Id(13)] public required int HeadDim { get; init; }
    [Id(14)] public required string DType { get; init; }
    [Id(15)] public required long ByteLength { get; init; }
    [Id(16)] public required DateTime LeaseExpiresUtc { get; init; }
    /// <summary>The producing worker (for releasing the lease early).</summary>
    [Id(17)] public required string WorkerId { get; init; }
    /// <summary>When the handle went onto the stream (to measure the stream's delivery latency).</summary>
    [Id(18)] public DateTime PublishedUtc { get; init; }
    /// <summary>
    /// The producer's HMAC-SHA256 over (lease id, <see cref="LeaseExpiresUtc"/>) under a key only the producing process
    /// holds: a TCP pull must present it, so knowing a lease id (or guessing one) is not enough to read the pages.
    /// </summary>
    [Id(19)] public byte[]? LeaseToken { get; init; }
    /// <summary>The producer's pool, as it published it once when the pool was made.</summary>
    [Id(20)] public required KvPoolDescriptor Pool { get; init; }
    /// <summary>The sequence's blocks in that pool, in token order (<see cref="TokenCount"/> tokens' worth).</summary>
    [Id(21)] public required int[] BlockIds { get; init; }
}
