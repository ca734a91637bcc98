using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// One way KV pages travel between workers, both sides of it: the producer offers pages (leased in its silo's
/// <see cref="KvPageOutbox"/>, in whatever form this transport reads them from) and the consumer pulls the bytes a
/// <see cref="KvPageHandle"/> names.
/// </summary>
public interface IKvTransport
{
    KvTransportKind Kind { get; }

    /// <summary>
    /// True when a successful pull has already ended the producer's lease (the tensor changed owner, or the producer
    /// released it after sending the last byte); false when the consumer must release it with
    /// <see cref="Workers.IPrefillWorkerGrain.ReleaseLeases"/>.
    /// </summary>
    bool PullEndsLease { get; }

    /// <summary>
    /// Producer side: takes ownership of <paramref name="pages"/> (whatever the outcome) and leases them until they are
    /// pulled, released or expire; the handle says where and how to pull them.
    /// </summary>
    KvPageHandle Offer(KvPageOffer offer, KvPages pages);

    /// <summary>
    /// Consumer side: pulls the pages; the caller owns (and disposes) the result. A lease that is gone (expired, pulled,
    /// released) fails with <see cref="KvLeaseNotFoundException"/>.
    /// </summary>
    Task<KvPages> PullAsync(KvPageHandle handle, CancellationToken cancellationToken);
}
