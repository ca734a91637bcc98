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

    public async IAsyncEnumerable<CompletionChunk> GenerateAsync(GenerateRequest request, string? requestId = null,
                                                                 [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var sequence = grains.GetGrain<ISequenceGrain>(requestId ?? NewRequestId());
        var retryUntil = DateTime.UtcNow + StartRetryWindow;
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            bool delivered = false;
            await using (var chunks = sequence.Generate(request, cancellationToken).WithCancellation(cancellationToken).GetAsyncEnumerator())
            {
                while (true)
                {
                    var (moved, failure) = await TryMoveNextAsync(chunks, cancellationToken);
                    if (failure is not null)
                    {
                        // Once a chunk went out, a retry would repeat it: the failure is the caller's to see (and retry).
                        if (delivered || DateTime.UtcNow >= retryUntil) ExceptionDispatchInfo.Throw(failure);
                        break;
                    }
                    if (!moved) yield break;
                    delivered = true;
                    yield return chunks.Current;
                }
            }
            await Task.Delay(backoff, cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    /// <summary>The next chunk, or the failure to retry: a message the cluster could not deliver, or a call Orleans cancelled.</summary>
    private static async Task<(bool Moved, Exception? Failure)> TryMoveNextAsync(ConfiguredCancelableAsyncEnumerable<CompletionChunk>.Enumerator chunks,
                                                                                 CancellationToken cancellationToken)
    {
        try
        {
            return (await chunks.MoveNextAsync(), null);
        }
        catch (Exception e) when (e is OrleansMessageRejectionException or SiloUnavailableException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (false, e);
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
