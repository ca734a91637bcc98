using System.Runtime.CompilerServices;
using Dynamo.Orleans.Grains.Diagnostics;
using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Transfer;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace Dynamo.Orleans.Grains.Workers;

/// <summary>
/// Runs sequences on this silo's engine, all in one continuous batch. A handed-off sequence arrives in three moves: the
/// sequence grain prepares the handoff (blocks reserved, the "kv-pages" stream subscribed), the prefill worker publishes
/// handles that this grain resolves through the transport they name (the bytes land in the reserved blocks as each
/// layer group comes), then Decode commits the import and streams the rest. Reentrant: stream deliveries and many
/// Decode enumerations interleave; the engine serialises the real work.
/// </summary>
[DecodePool, Reentrant]
public sealed class DecodeWorkerGrain(
    WorkerEngine engine, KvPageOutbox outbox, KvTransportSelector transports, SequenceOwnerWatch owners, IOptions<FabricOptions> options,
    ILogger<DecodeWorkerGrain> logger) : Grain, IDecodeWorkerGrain
{
    private sealed class Handoff(int epoch, KvImportReservation reservation)
    {
        public int Epoch { get; } = epoch;
        public KvImportReservation Reservation { get; } = reservation;
        public HashSet<int> GroupsReceived { get; } = new();
        /// <summary>Pulled leases the producer still holds (transports whose pull does not end the lease), released together.</summary>
        public List<long> LeasesToRelease { get; } = new();
        public string? Producer { get; set; }
        public TaskCompletionSource Complete { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public StreamSubscriptionHandle<KvPageHandle>? Subscription { get; set; }
        public IGrainTimer? Expiry { get; set; }
    }

    private readonly Dictionary<string, Handoff> _handoffs = new();

    public async Task<KvPageLocation> PrepareHandoff(HandoffRequest request)
    {
        if (engine.Draining) throw new WorkerPoolException($"decode worker {this.GetPrimaryKeyString()} is shutting down");
        if (_handoffs.ContainsKey(request.SequenceId)) await AbandonHandoff(request.SequenceId, _handoffs[request.SequenceId].Epoch);
        var reservation = await engine.Runtime.Engine.ReserveImportAsync(request.TokenCount);
        var handoff = new Handoff(request.Epoch, reservation);
        _handoffs[request.SequenceId] = handoff;
        try
        {
            var stream = this.GetStreamProvider(options.Value.StreamProvider).GetStream<KvPageHandle>(KvStreams.For(request.SequenceId));
            handoff.Subscription = await stream.SubscribeAsync((handle, _) => OnPages(handle));
            // A handoff nobody comes to decode (the sequence grain died with its silo) must not keep its blocks. The
            // prefill in between may queue behind other prompts, hence twice the timeout; Decode stops this timer.
            handoff.Expiry = this.RegisterGrainTimer(() => AbandonHandoff(request.SequenceId, request.Epoch),
                new GrainTimerCreationOptions(2 * options.Value.HandoffTimeout, Timeout.InfiniteTimeSpan) { Interleave = true });
        }
        catch
        {
            await AbandonHandoff(request.SequenceId, request.Epoch);
            throw;
        }
        return outbox.Location;
    }

    private async Task OnPages(KvPageHandle handle)
    {
        if (handle.PublishedUtc != default) FabricMetrics.HandleDelivery.Record((DateTime.UtcNow - handle.PublishedUtc).TotalSeconds);
        if (!_handoffs.TryGetValue(handle.SequenceId, out var handoff) || handoff.Epoch != handle.Epoch)
        {
            // A stale or abandoned handoff: give the pages back at once instead of waiting for the lease to expire.
            GrainFactory.GetGrain<IPrefillWorkerGrain>(handle.WorkerId).ReleaseLeases([handle.LeaseId]).Ignore();
            return;
        }
        try
        {
            var transport = transports.Resolve(handle);
            // Straight into the reserved blocks; a cancel meanwhile frees them only after this write (KvImportReservation).
            await transport.PullAsync(handle, engine.Runtime.Engine.ImportTarget(handoff.Reservation), CancellationToken.None);
            if (!transport.PullEndsLease)
            {
                handoff.Producer = handle.WorkerId;
                handoff.LeasesToRelease.Add(handle.LeaseId);
            }
            handoff.GroupsReceived.Add(handle.LayerStart);
            if (handoff.GroupsReceived.Count == handle.LayerGroups)
            {
                ReleasePulledLeases(handoff);
                handoff.Complete.TrySetResult();
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Pulling KV lease {Lease} of sequence {Sequence} over {Transport} failed", handle.LeaseId, handle.SequenceId, handle.Transport);
            handoff.Complete.TrySetException(e);
        }
    }

    public async Task AbandonHandoff(string sequenceId, int epoch)
    {
        if (!_handoffs.TryGetValue(sequenceId, out var handoff) || handoff.Epoch != epoch) return;
        _handoffs.Remove(sequenceId);
        handoff.Complete.TrySetCanceled();
        ReleasePulledLeases(handoff);
        await Close(handoff);
        await engine.Runtime.Engine.CancelImportAsync(handoff.Reservation);
    }

    /// <summary>One message per handoff gives the producer back every lease it still holds for pages already here.</summary>
    private void ReleasePulledLeases(Handoff handoff)
    {
        if (handoff.Producer is not { } producer || handoff.LeasesToRelease.Count == 0) return;
        GrainFactory.GetGrain<IPrefillWorkerGrain>(producer).ReleaseLeases([.. handoff.LeasesToRelease]).Ignore();
        handoff.LeasesToRelease.Clear();
    }

    private static async Task Close(Handoff handoff)
    {
        handoff.Expiry?.Dispose();
        if (handoff.Subscription is { } s)
        {
            try { await s.UnsubscribeAsync(); }
            catch (Exception) { /* the stream's pub-sub may be gone with a silo; nothing left to clean */ }
        }
    }

    public async IAsyncEnumerable<WorkerToken> Decode(DecodeRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var runtime = engine.Runtime;
        using var callerGone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, owners.For(request.Owner));
        cancellationToken = callerGone.Token;
        var continuation = new SequenceContinuation(request.Tokens, request.PromptLength, request.Sampling.ToSamplingParams());
        SequenceHandle sequence;
        if (request.FromHandoff) sequence = await CommitHandoff(request, continuation, cancellationToken);
        else
        {
            if (engine.Draining) throw new WorkerPoolException($"decode worker {this.GetPrimaryKeyString()} is shutting down");
            sequence = runtime.Engine.Submit(continuation);
        }
        bool finished = false, first = true;
        try
        {
            await foreach (var token in sequence.ReadAllAsync(cancellationToken))
            {
                finished = token.Finish is not null;
                var wire = token.ToWorkerToken();
                // A prompt prefilled here reports what this engine's prefix cache gave it (a handoff's came with the prefill).
                if (first && !request.FromHandoff) wire = wire with { CachedPromptTokens = sequence.CachedPromptTokens };
                first = false;
                yield return wire;
            }
        }
        finally
        {
            // The caller went away (cancelled, disconnected, or its silo died): the sequence's blocks go back now.
            if (!finished) sequence.Cancel();
        }
    }

    private async Task<SequenceHandle> CommitHandoff(DecodeRequest request, SequenceContinuation continuation, CancellationToken cancellationToken)
    {
        if (!_handoffs.TryGetValue(request.SequenceId, out var handoff) || handoff.Epoch != request.Epoch)
            throw new InvalidOperationException($"no prepared handoff for sequence {request.SequenceId} (epoch {request.Epoch}) on {this.GetPrimaryKeyString()}");
        handoff.Expiry?.Dispose();
        try
        {
            await handoff.Complete.Task.WaitAsync(options.Value.HandoffTimeout, cancellationToken);
        }
        catch (Exception e)
        {
            await AbandonHandoff(request.SequenceId, request.Epoch);
            if (e is TimeoutException)
                throw new TimeoutException($"KV pages of sequence {request.SequenceId} did not all arrive within {options.Value.HandoffTimeout.TotalSeconds:F0} s " +
                                           $"({handoff.GroupsReceived.Count} layer groups received)");
            throw;
        }
        _handoffs.Remove(request.SequenceId);
        await Close(handoff);
        return await engine.Runtime.Engine.CommitImportAsync(handoff.Reservation, continuation);
    }

    public Task<WorkerLoad> GetLoad() =>
        Task.FromResult(engine.Load(this.GetPrimaryKeyString(), WorkerRole.Decode) with { PendingHandoffs = _handoffs.Count });
}
