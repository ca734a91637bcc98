using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// Same host, other process: the consumer maps the producer's registered pool (tmpfs read-only, or CUDA IPC; once per
/// pool, <see cref="KvPeerPools"/>) and copies the handle's blocks straight into its reserved blocks: one copy, no
/// intermediate file. The producer does not see this read, so the consumer keeps to the lease: it starts only before
/// the lease expires and keeps the copy only if the lease had not expired when it finished (the producer reuses pinned
/// blocks only after expiry). It then releases the lease (batched per handoff); should that message be lost, the lease
/// expires. The mapping is read-only: a consumer that dies mid-copy cannot damage the producer's pool.
/// </summary>
public sealed class SharedMemoryKvTransport(KvPageOutbox outbox, KvPeerPools peers) : IKvTransport
{
    public KvTransportKind Kind => KvTransportKind.SharedMemory;

    public bool PullEndsLease => false;

    public KvPageHandle Offer(KvPageOffer offer, KvBlockExport export) => outbox.Lease(offer, export, Kind);

    public Task<long> PullAsync(KvPageHandle handle, IKvImportTarget target, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!handle.Pool.Mappable)
            throw new InvalidOperationException($"KV lease {handle.LeaseId} of sequence {handle.SequenceId} is in a {handle.Pool.Access} pool: it needs the data plane");
        CheckLease(handle, "before the copy");
        long bytes;
        using (var pool = peers.Map(handle.Pool, handle.LeaseId))
            bytes = KvBlockCopy.Import(target, handle.ToDescriptor(), pool.Memory, handle.BlockIds);
        // Blocks copied after the expiry may already belong to another sequence: the copy is worthless then.
        CheckLease(handle, "during the copy");
        return Task.FromResult(bytes);
    }

    private static void CheckLease(KvPageHandle handle, string when)
    {
        if (DateTime.UtcNow >= handle.LeaseExpiresUtc)
            throw new KvLeaseNotFoundException(handle.LeaseId, $"KV lease {handle.LeaseId} of sequence {handle.SequenceId} (epoch {handle.Epoch}) expired at {handle.LeaseExpiresUtc:O}, {when}");
    }
}
