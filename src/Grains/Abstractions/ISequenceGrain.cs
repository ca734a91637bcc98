namespace Dynamo.Orleans;

/// <summary>
/// Owns one request for its whole life (key: the request id): tokenization, routing, the prefill→decode handoff,
/// detokenization, stop rules, re-routing when a worker fails, and its usage. One generation per key.
/// </summary>
public interface ISequenceGrain : IGrainWithStringKey
{
    /// <summary>Streams the completion. Cancelling the token (or abandoning the enumeration) cancels the sequence and frees its KV.</summary>
    IAsyncEnumerable<CompletionChunk> Generate(GenerateRequest request, CancellationToken cancellationToken = default);

    Task Cancel();

    Task<SequenceStatus> GetStatus();
}
