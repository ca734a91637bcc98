using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// Same process: the producer's tensor changes owner; no byte is copied until the decode engine imports it. The producer
/// is found by the handle's source location (several silos may share a process); <paramref name="outbox"/> is this silo's own.
/// </summary>
public sealed class InProcessKvTransport(KvPageOutbox outbox) : IKvTransport
{
    public KvTransportKind Kind => KvTransportKind.InProcess;

    /// <summary>Taking the tensor out of the producer's outbox ends its lease.</summary>
    public bool PullEndsLease => true;

    public KvPageHandle Offer(KvPageOffer offer, KvPages pages) => outbox.Lease(offer, pages, Kind);

    public Task<KvPages> PullAsync(KvPageHandle handle, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!handle.Source.SameProcessAs(outbox.Location))
            throw new InvalidOperationException($"KV lease {handle.LeaseId} of sequence {handle.SequenceId} lives in process {handle.Source.ProcessId} on {handle.Source.HostName}, not in this one: it needs another transport");
        var producer = KvPageOutbox.InThisProcess(handle.Source) ?? outbox;
        if (!producer.TryTake(handle.LeaseId, out var pages))
            throw new KvLeaseNotFoundException(handle.LeaseId, $"KV lease {handle.LeaseId} of sequence {handle.SequenceId} (epoch {handle.Epoch}) is no longer in this process's outbox: it expired, was already pulled or was released");
        return Task.FromResult(pages);
    }
}
