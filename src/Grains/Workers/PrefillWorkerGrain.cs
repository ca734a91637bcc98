using System.Threading.Channels;
using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Transfer;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace Dynamo.Orleans.Grains.Workers;

/// <summary>
/// Prefills prompts on this silo's engine. The engine streams each layer group's KV out while later layers still
/// compute; each group is leased in the outbox and its handle — never its bytes — is published on the sequence's
/// "kv-pages" stream, where the decode worker picks it up. Reentrant: many prompts are in flight at once and the
/// engine batches them; the grain holds no per-request state.
/// </summary>
[PrefillPool, Reentrant]
public sealed class PrefillWorkerGrain(
    WorkerEngine engine, KvPageOutbox outbox, KvTransportSelector transports, SequenceOwnerWatch owners, IOptions<FabricOptions> options,
    ILogger<PrefillWorkerGrain> logger) : Grain, IPrefillWorkerGrain
{
    public async Task<PrefillResult> Prefill(PrefillRequest request, CancellationToken cancellationToken = default)
    {
        if (engine.Draining) throw new WorkerPoolException($"prefill worker {this.GetPrimaryKeyString()} is shutting down");
        using var callerGone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, owners.For(request.Owner));
        cancellationToken = callerGone.Token;
        var runtime = engine.Runtime;
        int layers = runtime.Config.NumHiddenLayers;
        int groupSize = options.Value.ResolveLayerGroupSize(layers);
        int groups = (layers + groupSize - 1) / groupSize;
        var pool = runtime.Engine.Pool;
        var transport = transports.Get(transports.Choose(outbox.Location, request.Target, pool.Kind != KvPoolKind.Private));
        var stream = this.GetStreamProvider(options.Value.StreamProvider).GetStream<KvPageHandle>(KvStreams.For(request.SequenceId));

        // The engine thread only enqueues (it must not wait on Orleans); this turn offers and publishes.
        var ready = Channel.CreateUnbounded<KvBlockExport>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var sequence = runtime.Engine.Submit(request.PromptTokenIds, request.Sampling.ToSamplingParams(),
                                             new KvExportPlan(groupSize, export =>
                                             {
                                                 if (!ready.Writer.TryWrite(export)) export.Release(); // publishing ended: nobody will lease it
                                             }));
        var leases = new List<long>();
        var publishing = PublishAsync(ready.Reader, stream, request, transport, groups, leases);
        // The caller gave up (its client left, or it re-routes): stop computing for nobody and free the blocks now.
        using var cancelled = cancellationToken.Register(sequence.Cancel);
        GeneratedToken? first = null;
        FinishReason? finish = null;
        try
        {
            if (await sequence.Tokens.WaitToReadAsync(CancellationToken.None)) first = await sequence.Tokens.ReadAsync(CancellationToken.None);
            finish = await sequence.Completion;
        }
        finally
        {
            ready.Writer.TryComplete();
            try { await publishing; }
            finally
            {
                while (ready.Reader.TryRead(out var unpublished)) unpublished.Release(); // publishing failed before reaching these
            }
            // Cancelled, or the first token ended the sequence: nobody will pull these pages.
            if (first is null || finish is not null || cancellationToken.IsCancellationRequested)
                foreach (var lease in leases) outbox.Release(lease);
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (first is null) throw new InvalidOperationException($"prefill of sequence {request.SequenceId} ended ({finish}) without a token");
        return new PrefillResult(first.ToWorkerToken(), finish is null, groups, sequence.CachedPromptTokens, transport.Kind);
    }

    private async Task PublishAsync(ChannelReader<KvBlockExport> ready, IAsyncStream<KvPageHandle> stream, PrefillRequest request,
                                    IKvTransport transport, int groups, List<long> leases)
    {
        var offer = new KvPageOffer(request.SequenceId, request.Epoch, this.GetPrimaryKeyString(), groups);
        await foreach (var export in ready.ReadAllAsync())
        {
            var handle = transport.Offer(offer, export);
            leases.Add(handle.LeaseId);
            try
            {
                await stream.OnNextAsync(handle with { PublishedUtc = DateTime.UtcNow });
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Publishing KV handle {Lease} of sequence {Sequence} failed; releasing it", handle.LeaseId, request.SequenceId);
                outbox.Release(handle.LeaseId);
                throw;
            }
        }
    }

    public Task<WorkerLoad> GetLoad() => Task.FromResult(engine.Load(this.GetPrimaryKeyString(), WorkerRole.Prefill) with { ActiveLeases = outbox.ActiveLeases });

    public Task ReleaseLeases(long[] leaseIds)
    {
        foreach (var lease in leaseIds) outbox.Release(lease);
        return Task.CompletedTask;
    }
}
