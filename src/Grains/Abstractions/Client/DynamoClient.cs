using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Client;

/// <summary>
/// The typed way in for Orleans client applications: one call streams a completion.
/// <code>await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { Prompt = "Hello" })) Console.Write(chunk.Text);</code>
/// Each request runs on its own sequence grain, keyed by a fresh request id unless one is given.
/// </summary>
public sealed class DynamoClient(IGrainFactory grains)
{
    /// <summary>
    /// How long a request that has not produced anything yet is retried when the cluster could not deliver it: a silo
    /// died and membership has not declared it dead yet (a few seconds), so the grain directory partition or activation
    /// it held cannot be reached. Nothing was generated for the caller, so the retry is invisible.
    /// </summary>
    public static readonly TimeSpan StartRetryWindow = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a running request may stay silent before the client checks that the activation serving it still lives.
    /// A call to a silo that died is answered only by Orleans' response timeout (30 s); the check tells sooner.
    /// </summary>
    public static readonly TimeSpan OwnerCheckInterval = TimeSpan.FromSeconds(2);

    public async IAsyncEnumerable<CompletionChunk> GenerateAsync(GenerateRequest request, string? requestId = null,
                                                                 [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var id = requestId ?? NewRequestId();
        var sequence = grains.GetGrain<ISequenceGrain>(id);
        var retryUntil = DateTime.UtcNow + StartRetryWindow;
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            bool delivered = false;
            var chunks = sequence.Generate(request, cancellationToken).GetAsyncEnumerator(cancellationToken);
            bool abandoned = false;
            try
            {
                while (true)
                {
                    var (moved, failure, lost) = await TryMoveNextAsync(chunks, sequence, id, delivered, cancellationToken);
                    abandoned = lost;
                    if (failure is not null)
                    {
                        // Once a chunk went out, a retry would repeat it: the failure is the caller's to see (and retry).
                        if (delivered || lost || DateTime.UtcNow >= retryUntil) ExceptionDispatchInfo.Throw(failure);
                        break;
                    }
                    if (!moved) yield break;
                    delivered = true;
                    yield return chunks.Current;
                }
            }
            finally
            {
                // A call still waiting on a dead silo would hold the disposal for the response timeout: let it go.
                if (abandoned) _ = chunks.DisposeAsync().AsTask().ContinueWith(t => t.Exception, TaskScheduler.Default);
                else await chunks.DisposeAsync();
            }
            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    /// <summary>
    /// The next chunk; or the failure to retry (a message the cluster could not deliver, a call Orleans cancelled); or,
    /// once output flows, a <see cref="SequenceLostException"/> when a check finds the request's activation gone.
    /// </summary>
    private static async Task<(bool Moved, Exception? Failure, bool Lost)> TryMoveNextAsync(
        IAsyncEnumerator<CompletionChunk> chunks, ISequenceGrain sequence, string id, bool delivered,
        CancellationToken cancellationToken)
    {
        try
        {
            var next = chunks.MoveNextAsync().AsTask();
            while (delivered && await Task.WhenAny(next, Task.Delay(OwnerCheckInterval, cancellationToken)) != next)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (await ActivationGoneAsync(sequence)) return (false, new SequenceLostException(id), true);
            }
            return (await next, null, false);
        }
        catch (Exception e) when (e is OrleansMessageRejectionException or SiloUnavailableException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (false, e, false);
        }
    }

    /// <summary>
    /// True when the request's sequence grain answers as a fresh, idle activation: the one that was running the request
    /// died with its silo (membership declared it dead, so Orleans activated the grain anew elsewhere).
    /// </summary>
    private static async Task<bool> ActivationGoneAsync(ISequenceGrain sequence)
    {
        try
        {
            return (await sequence.GetStatus().WaitAsync(OwnerCheckInterval)).State == SequenceState.Idle;
        }
        catch (Exception e) when (e is TimeoutException or OrleansMessageRejectionException or SiloUnavailableException)
        {
            return false; // not declared dead yet, or unreachable for now: look again later
        }
    }

    /// <summary>Runs a request to its end and gathers the text, tokens and usage.</summary>
    public async Task<Completion> CompleteAsync(GenerateRequest request, CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        var tokens = new List<int>();
        CompletionChunk? last = null;
        await foreach (var chunk in GenerateAsync(request, null, cancellationToken))
        {
            text.Append(chunk.Text);
            tokens.AddRange(chunk.TokenIds);
            last = chunk;
        }
        return new Completion(text.ToString(), tokens, last?.FinishReason ?? CompletionFinishReason.Error, last?.Usage);
    }

    public Task CancelAsync(string requestId) => grains.GetGrain<ISequenceGrain>(requestId).Cancel();

    public Task<SequenceStatus> GetStatusAsync(string requestId) => grains.GetGrain<ISequenceGrain>(requestId).GetStatus();

    public static string NewRequestId() => "req-" + Guid.NewGuid().ToString("N");
}

/// <summary>A whole completion.</summary>
public sealed record Completion(string Text, IReadOnlyList<int> TokenIds, CompletionFinishReason FinishReason, CompletionUsage? Usage);
