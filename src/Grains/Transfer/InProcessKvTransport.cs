using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// Same process: the decode engine copies the blocks straight from the prefill engine's pool, then ends the lease. The
/// producer is found by the handle's source location (several silos may share a process); <paramref name="outbox"/> is
/// this silo's own.
/// </summary>
public sealed class InProcessKvTransport(KvPageOutbox outbox) : IKvTransport
{
    public KvTransportKind Kind => KvTransportKind.InProcess;

    /// <summary>The pull releases the lease itself once its copy is done.</summary>
    public bool PullEndsLease => true;

    public KvPageHandle Offer(KvPageOffer offer, KvBlockExport export) => outbox.Lease(offer, export, Kind);

    public Task<long> PullAsync(KvPageHandle handle, IKvImportTarget target, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!handle.Source.SameProcessAs(outbox.Location))
            throw new InvalidOperationException($"KV lease {handle.LeaseId} of sequence {handle.SequenceId} lives in process {handle.Source.ProcessId} on {handle.Source.HostName}, not in this one: it needs another transport");
        var producer = KvPageOutbox.InThisProcess(handle.Source) ?? outbox;
        var lease = producer.TryBeginLocalRead(handle.LeaseId)
            ?? throw new KvLeaseNotFoundException(handle.LeaseId, $"KV lease {handle.LeaseId} of sequence {handle.SequenceId} (epoch {handle.Epoch}) is no longer in this process's outbox: it expired, was already pulled or was released");
        long bytes;
        try
        {
            var export = lease.Export;
            bytes = KvBlockCopy.Import(target, export.Descriptor, export.Pool, export.Blocks);
        }
        finally
        {
            lease.EndRead();
        }
        producer.Release(handle.LeaseId);
        return Task.FromResult(bytes);
    }
}
