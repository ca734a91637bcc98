using System.Diagnostics;
using System.Runtime.CompilerServices;
using Dynamo.Orleans.Grains.Diagnostics;
using Dynamo.Orleans.Grains.Models;
using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Grains.Routing;
using Dynamo.Orleans.Kernels.Tokenization;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Sequences;

/// <summary>
/// The one owner of a request. It tokenizes, picks a decode worker (and a prefill worker when disaggregation pays),
/// runs the handoff, turns worker tokens into text (incremental detokenization, stop strings), and when a worker fails
/// it re-routes and resumes from the tokens the caller already has: the engines' sampling depends only on (seed,
/// position), so the resumed sequence produces exactly what the failed one would have. Reentrant so that Cancel and
/// GetStatus answer while a generation streams. A finished sequence keeps only its status, and for two idle minutes
/// (Orleans' default is fifteen): one activation per request, each holding its detokenizer and tokens for a quarter
/// of an hour, was a steady memory climb under load (bench/results/soak.md).
/// </summary>
[Reentrant, SequencePlacement, CollectionAgeLimit(Minutes = 2)]
public sealed class SequenceGrain(
    ModelCatalog model, WorkerRouter router, ILocalSiloDetails silo, IOptions<FabricOptions> options, ILogger<SequenceGrain> logger) : Grain, ISequenceGrain
{
    private SequenceStatus _status = null!;
    private CancellationTokenSource? _cancel;
    private int _epoch;
    private SequenceOutput? _output;
    // Whether the current route's decode worker has produced a token: tells a failed handoff from a failed decode.
    private bool _decodeStarted;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _status = new SequenceStatus { SequenceId = this.GetPrimaryKeyString(), State = SequenceState.Idle };
        return Task.CompletedTask;
    }

    // GeneratedTokens is read off the output when asked rather than copied into the record on every token.
    public Task<SequenceStatus> GetStatus() => Task.FromResult(_output is { } running ? _status with { GeneratedTokens = running.Delivered.Count } : _status);

    public Task Cancel()
    {
        _cancel?.Cancel();
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<CompletionChunk> Generate(GenerateRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (_status.State != SequenceState.Idle)
            throw new InvalidOperationException($"sequence '{_status.SequenceId}' has already run; each request needs its own id");
        var prepared = PreparedRequest.From(request, model, await KvCapacityTokensAsync());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _cancel = cts;
        var clock = Stopwatch.StartNew();
        _status = _status with { State = SequenceState.Prefilling, PromptTokens = prepared.Prompt.Count };
        FabricMetrics.PromptTokens.Add(prepared.Prompt.Count);
        FabricMetrics.InFlight.Add(1);
        var output = _output = new SequenceOutput(model.Tokenizer, prepared);
        var failed = new HashSet<SiloAddress>();
        double lastTokenAt = 0;
        try
        {
            while (!output.Finished)
            {
                var route = await RouteAsync(prepared, output.Delivered, failed);
                await using var tokens = Serve(route, prepared, output.Delivered, cts.Token).GetAsyncEnumerator(cts.Token);
                while (true)
                {
                    var (moved, failure) = await TryMoveNext(tokens, cts.Token);
                    if (failure is not null)
                    {
                        if (cts.IsCancellationRequested) throw new OperationCanceledException(cts.Token);
                        if (failure is RequestValidationException or ArgumentException || _status.Reroutes >= options.Value.MaxReroutes) throw failure;
                        // A worker failed: note it, and resume elsewhere from what the caller already has.
                        logger.LogWarning(failure, "Sequence {Sequence}: worker failed after {Count} tokens; re-routing", _status.SequenceId, output.Delivered.Count);
                        // Before the decode worker produced anything, blame the handoff's prefill side (the decode
                        // worker can still prefill locally); after, the decode worker.
                        if (route.Prefill is { } p && !_decodeStarted) failed.Add(p.Silo);
                        else failed.Add(route.Decode.Silo);
                        _status = _status with { Reroutes = _status.Reroutes + 1 };
                        FabricMetrics.Reroutes.Add(1);
                        break;
                    }
                    if (!moved) break;
                    var now = clock.Elapsed.TotalSeconds;
                    if (output.Delivered.Count == 0)
                    {
                        _status = _status with { State = SequenceState.Decoding, TimeToFirstTokenSeconds = now };
                        FabricMetrics.TimeToFirstToken.Record(now);
                    }
                    else FabricMetrics.InterTokenLatency.Record(now - lastTokenAt);
                    lastTokenAt = now;
                    output.CachedPromptTokens = _status.CachedPromptTokens;
                    var chunk = output.Accept(tokens.Current);
                    if (chunk is not null) yield return chunk;
                    if (output.Finished) break;
                }
            }
        }
        finally
        {
            FabricMetrics.InFlight.Add(-1);
            FabricMetrics.OutputTokens.Add(output.Delivered.Count);
            FabricMetrics.RequestDuration.Record(clock.Elapsed.TotalSeconds);
            _output = null; // the status is all a finished sequence keeps
            _status = _status with
            {
                GeneratedTokens = output.Delivered.Count,
                State = output.Finished ? SequenceState.Finished : cts.IsCancellationRequested ? SequenceState.Cancelled : SequenceState.Failed,
                FinishReason = output.Finished ? output.FinishReason : cts.IsCancellationRequested ? CompletionFinishReason.Cancelled : CompletionFinishReason.Error,
            };
            _cancel = null;
        }
    }

    /// <summary>The most tokens one sequence can hold on any live decode worker, or null when none answers (routing reports that).</summary>
    private async Task<int?> KvCapacityTokensAsync()
    {
        var loads = await router.LoadsAsync(WorkerRole.Decode);
        return loads.Where(l => !l.Draining && l.TotalBlocks > 0)
                    .Select(l => (int?)Math.Min(int.MaxValue, (long)l.TotalBlocks * l.BlockSize)).Max();
    }

    /// <summary>
    /// The next worker token, or the failure that stopped it. A cancellation that is not this request's own is a failure
    /// like any other: Orleans cancels a call whose target's directory entry died with a silo, and that request can
    /// still be served elsewhere.
    /// </summary>
    private static async Task<(bool Moved, Exception? Failure)> TryMoveNext(IAsyncEnumerator<WorkerToken> tokens, CancellationToken request)
    {
        try
        {
            return (await tokens.MoveNextAsync(), null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.IsCancellationRequested)
        {
            return (false, e);
        }
    }

    private sealed record Route(WorkerAddress Decode, WorkerAddress? Prefill);

    /// <summary>
    /// Picks the decode worker (by the router mode: under kv, the one whose cache and load make it cheapest), then decides
    /// where the prompt is prefilled. Remote prefill only pays when many tokens must be computed: what counts is the
    /// tokens the chosen decode worker does not already hold, and the prefill pool must not be busier than its limit
    /// (then the decode worker prefills it, as Dynamo's load policy does). A resumed sequence always prefills locally.
    /// </summary>
    private async Task<Route> RouteAsync(PreparedRequest request, IReadOnlyList<int> delivered, IReadOnlySet<SiloAddress> failed)
    {
        var tokens = delivered.Count == 0 ? request.Prompt : [.. request.Prompt, .. delivered];
        var decode = (await router.ChooseAsync(WorkerRole.Decode, tokens, failed)).Chosen
            ?? throw new WorkerPoolException("no decode worker is available: start a silo with --role decode (or all)");
        WorkerChoice? prefill = null;
        PrefillDecision decision;
        int uncached = tokens.Count - decode.OverlapTokens;
        if (delivered.Count > 0) decision = PrefillDecision.LocalResumed;
        else if (uncached < options.Value.DisaggregationThreshold) decision = PrefillDecision.LocalBelowThreshold;
        else
        {
            // On the decode worker's own silo its engine prefills without any transfer: only other silos count.
            var pool = await router.ChooseAsync(WorkerRole.Prefill, tokens, new HashSet<SiloAddress>(failed) { decode.Worker.Silo }, options.Value.PrefillQueueLimit);
            prefill = pool.Chosen;
            decision = prefill is not null ? PrefillDecision.Remote
                     : pool.AllBusy ? PrefillDecision.LocalPrefillPoolBusy : PrefillDecision.LocalNoPrefillWorker;
        }
        _status = _status with
        {
            DecodeWorker = decode.Worker.Key, PrefillWorker = prefill?.Worker.Key, Disaggregated = prefill is not null,
            PrefillDecision = decision, RouterMode = options.Value.RouterMode, RoutedOverlapTokens = decode.OverlapTokens,
        };
        return new Route(decode.Worker, prefill?.Worker);
    }

    private async IAsyncEnumerable<WorkerToken> Serve(Route route, PreparedRequest request, IReadOnlyList<int> delivered,
                                                      [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var decode = GrainFactory.GetGrain<IDecodeWorkerGrain>(route.Decode.Key);
        var tokens = request.Prompt.Concat(delivered).ToList();
        bool fromHandoff = false;
        _decodeStarted = false;
        int currentEpoch = ++_epoch;
        if (route.Prefill is { } prefillAddress)
        {
            var (first, handedOff) = await HandOffAsync(decode, GrainFactory.GetGrain<IPrefillWorkerGrain>(prefillAddress.Key), request, currentEpoch, cancellationToken);
            yield return first;
            if (!handedOff || first.Finish is not null) yield break;
            tokens.Add(first.TokenId);
            fromHandoff = true;
        }
        var handoffClock = Stopwatch.StartNew();
        bool firstDecoded = false;
        await foreach (var token in decode.Decode(new DecodeRequest(_status.SequenceId, currentEpoch, tokens, request.Prompt.Count, request.Sampling, fromHandoff, silo.SiloAddress), cancellationToken))
        {
            // The engine's own count of prompt tokens its prefix cache gave (usage.prompt_tokens_details.cached_tokens).
            if (!_decodeStarted && delivered.Count == 0 && token.CachedPromptTokens is { } cached) _status = _status with { CachedPromptTokens = cached };
            _decodeStarted = true;
            if (fromHandoff && !firstDecoded)
            {
                firstDecoded = true;
                _status = _status with { HandoffSeconds = handoffClock.Elapsed.TotalSeconds };
                FabricMetrics.HandoffLatency.Record(handoffClock.Elapsed.TotalSeconds);
            }
            yield return token;
        }
    }

    private async Task<(WorkerToken First, bool HandedOff)> HandOffAsync(IDecodeWorkerGrain decode, IPrefillWorkerGrain prefill, PreparedRequest request, int currentEpoch,
                                                                     CancellationToken cancellationToken)
    {
        var target = await decode.PrepareHandoff(new HandoffRequest(_status.SequenceId, currentEpoch, request.Prompt.Count));
        PrefillResult result;
        try
        {
            result = await prefill.Prefill(new PrefillRequest(_status.SequenceId, currentEpoch, request.Prompt, request.Sampling, target, silo.SiloAddress), cancellationToken);
        }
        catch
        {
            await decode.AbandonHandoff(_status.SequenceId, currentEpoch);
            throw;
        }
        _status = _status with { KvTransport = result.Transport, CachedPromptTokens = result.CachedPromptTokens };
        if (!result.HandedOff || result.FirstToken.Finish is not null) await decode.AbandonHandoff(_status.SequenceId, currentEpoch);
        return (result.FirstToken, result.HandedOff);
    }
}
