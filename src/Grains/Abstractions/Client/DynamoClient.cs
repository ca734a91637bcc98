using System.Runtime.CompilerServices;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Client;

/// <summary>
/// The typed way in for Orleans client applications: one call streams a completion.
/// <code>await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { Prompt = "Hello" })) Console.Write(chunk.Text);</code>
/// Each request runs on its own sequence grain, keyed by a fresh request id unless one is given.
/// </summary>
public sealed class DynamoClient(IGrainFactory grains)
{
    public async IAsyncEnumerable<CompletionChunk> GenerateAsync(GenerateRequest request, string? requestId = null,
                                                                 [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var sequence = grains.GetGrain<ISequenceGrain>(requestId ?? NewRequestId());
        await foreach (var chunk in sequence.Generate(request, cancellationToken).WithCancellation(cancellationToken))
            yield return chunk;
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
