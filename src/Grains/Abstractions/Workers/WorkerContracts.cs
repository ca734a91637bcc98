using Dynamo.Orleans.Transfer;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Dynamo.Orleans.Workers;

/// <summary>
/// The engine's sampling parameters on the wire, every field resolved by the sequence grain (defaults applied, ranges
/// checked, seed fixed): workers take them as they are. No defaults here, so nothing can disagree with the engine's.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record WorkerSampling
{
    [Id(0)] public required double Temperature { get; init; }
    [Id(1)] public required double TopP { get; init; }
    [Id(2)] public required int TopK { get; init; }
    [Id(3)] public required int MaxTokens { get; init; }
    [Id(4)] public required IReadOnlyList<int> StopTokenIds { get; init; }
    [Id(5)] public required bool IgnoreEos { get; init; }
    [Id(6)] public required int? Logprobs { get; init; }
    [Id(7)] public required ulong Seed { get; init; }
}

/// <summary>One token from a worker; <see cref="Finish"/> is set on the last.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerToken(
    [property: Id(0)] int TokenId,
    [property: Id(1)] float? Logprob,
    [property: Id(2)] int[]? TopTokenIds,
    [property: Id(3)] float[]? TopLogprobs,
    [property: Id(4)] CompletionFinishReason? Finish,
    /// <summary>On a sequence's first token when its worker prefilled it: prompt tokens that prefix cache supplied.</summary>
    [property: Id(5)] int? CachedPromptTokens = null);

[GenerateSerializer, Immutable]
public sealed record PrefillRequest(
    [property: Id(0)] string SequenceId,
    [property: Id(1)] int Epoch,
    [property: Id(2)] IReadOnlyList<int> PromptTokenIds,
    [property: Id(3)] WorkerSampling Sampling,
    /// <summary>Where the decode worker is: the prefill worker picks the transport by comparing it with itself.</summary>
    [property: Id(4)] KvPageLocation Target,
    /// <summary>The silo of the sequence grain that asked: its death cancels the prefill.</summary>
    [property: Id(5)] SiloAddress? Owner = null);

[GenerateSerializer, Immutable]
public sealed record PrefillResult(
    [property: Id(0)] WorkerToken FirstToken,
    /// <summary>False when the first token already ended the sequence: no pages were published.</summary>
    [property: Id(1)] bool HandedOff,
    [property: Id(2)] int LayerGroups,
    [property: Id(3)] int CachedPromptTokens,
    /// <summary>How the pages travel to the decode worker (chosen by locality, or forced by options).</summary>
    [property: Id(4)] KvTransportKind Transport);

[GenerateSerializer, Immutable]
public sealed record HandoffRequest(
    [property: Id(0)] string SequenceId,
    [property: Id(1)] int Epoch,
    [property: Id(2)] int TokenCount);

[GenerateSerializer, Immutable]
public sealed record DecodeRequest(
    [property: Id(0)] string SequenceId,
    [property: Id(1)] int Epoch,
    /// <summary>Prompt then every output token the client has already received.</summary>
    [property: Id(2)] IReadOnlyList<int> Tokens,
    [property: Id(3)] int PromptLength,
    [property: Id(4)] WorkerSampling Sampling,
    /// <summary>True: continue from KV handed over by <see cref="IDecodeWorkerGrain.PrepareHandoff"/>; false: prefill here.</summary>
    [property: Id(5)] bool FromHandoff,
    /// <summary>The silo of the sequence grain that asked: its death cancels the sequence here and frees its blocks.</summary>
    [property: Id(6)] SiloAddress? Owner = null);

/// <summary>A worker's state as the router sees it.</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerLoad
{
    [Id(0)] public required string WorkerId { get; init; }
    [Id(1)] public required WorkerRole Role { get; init; }
    [Id(2)] public required string Model { get; init; }
    [Id(3)] public int Running { get; init; }
    [Id(4)] public int Waiting { get; init; }
    [Id(5)] public int TotalBlocks { get; init; }
    [Id(6)] public int UsedBlocks { get; init; }
    [Id(7)] public int FreeBlocks { get; init; }
    [Id(8)] public int CachedBlocks { get; init; }
    [Id(9)] public long GeneratedTokens { get; init; }
    [Id(10)] public int ActiveLeases { get; init; }
    [Id(11)] public int PendingHandoffs { get; init; }
    /// <summary>Shutting down: finishing what it has, taking nothing new.</summary>
    [Id(12)] public bool Draining { get; init; }
    [Id(13)] public int MaxModelLen { get; init; }
    /// <summary>Prompt tokens queued or part-way through prefill: the engine's prefill backlog.</summary>
    [Id(14)] public long PendingPrefillTokens { get; init; }
    [Id(15)] public int BlockSize { get; init; }
}

/// <summary>A prefill worker: one activation per silo of the prefill pool, sharing that silo's engine.</summary>
public interface IPrefillWorkerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Prefills the prompt, publishes its KV handles on the sequence's "kv-pages" stream layer group by layer group, and
    /// returns the first token. Cancelling stops the prefill at the engine's next step and frees its blocks and leases.
    /// </summary>
    Task<PrefillResult> Prefill(PrefillRequest request, CancellationToken cancellationToken = default);

    Task<WorkerLoad> GetLoad();

    /// <summary>The decode side has the bytes: free the leased pages now rather than at expiry.</summary>
    [OneWay]
    Task ReleaseLeases(long[] leaseIds);
}

/// <summary>A decode worker: one activation per silo of the decode pool; runs many sequences in one continuous batch.</summary>
public interface IDecodeWorkerGrain : IGrainWithStringKey
{
    /// <summary>Reserves blocks for the sequence's KV and subscribes to its "kv-pages" stream; returns where pages should come.</summary>
    Task<KvPageLocation> PrepareHandoff(HandoffRequest request);

    /// <summary>Drops a prepared handoff that will not happen (the prefill failed, or its first token ended the sequence).</summary>
    Task AbandonHandoff(string sequenceId, int epoch);

    /// <summary>Generates the rest of the sequence, streaming tokens; cancelling frees its KV.</summary>
    IAsyncEnumerable<WorkerToken> Decode(DecodeRequest request, CancellationToken cancellationToken = default);

    Task<WorkerLoad> GetLoad();
}
