using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// One way KV blocks travel between workers, both sides of it: the producer offers pinned blocks (leased in its silo's
/// <see cref="KvPageOutbox"/>) and the consumer moves the blocks a <see cref="KvPageHandle"/> names straight into the
/// blocks it reserved.
/// </summary>
public interface IKvTransport
{
    KvTransportKind Kind { get; }

    /// <summary>
    /// True when a successful pull has already ended the producer's lease (the producer released it after the last
    /// byte, or the pull did in this process); false when the consumer must release it with
    /// <see cref="Workers.IPrefillWorkerGrain.ReleaseLeases"/>.
    /// </summary>
    bool PullEndsLease { get; }

    /// <summary>
    /// Producer side: takes ownership of <paramref name="export"/> (whatever the outcome) and leases its blocks until they
    /// are pulled, released or expire; the handle says where they are.
    /// </summary>
    KvPageHandle Offer(KvPageOffer offer, KvBlockExport export);

    /// <summary>
    /// Consumer side: copies the handle's blocks into <paramref name="target"/> (a decode engine's reserved blocks) and
    /// returns the bytes moved. A lease that is gone (expired, pulled, released, its pool gone) fails with
    /// <see cref="KvLeaseNotFoundException"/>.
    /// </summary>
    Task<long> PullAsync(KvPageHandle handle, IKvImportTarget target, CancellationToken cancellationToken);
}
