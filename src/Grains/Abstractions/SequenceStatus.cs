namespace Dynamo.Orleans;

public enum SequenceState { Idle, Prefilling, Decoding, Finished, Cancelled, Failed }

/// <summary>Where a request stands and how it was served (for operators and tests).</summary>
[GenerateSerializer, Immutable]
public sealed record SequenceStatus
{
    [Id(0)] public required string SequenceId { get; init; }
    [Id(1)] public required SequenceState State { get; init; }
    [Id(2)] public int PromptTokens { get; init; }
    [Id(3)] public int GeneratedTokens { get; init; }
    /// <summary>True when the prompt was prefilled on a prefill worker and its KV handed to the decode worker.</summary>
    [Id(4)] public bool Disaggregated { get; init; }
    [Id(5)] public string? PrefillWorker { get; init; }
    [Id(6)] public string? DecodeWorker { get; init; }
    [Id(7)] public double? TimeToFirstTokenSeconds { get; init; }
    /// <summary>Prefill finished → first decode step of the imported sequence (disaggregated only).</summary>
    [Id(8)] public double? HandoffSeconds { get; init; }
    [Id(9)] public int Reroutes { get; init; }
    [Id(10)] public string? Error { get; init; }
    [Id(11)] public CompletionFinishReason? FinishReason { get; init; }
    /// <summary>The KV transport of the handoff (disaggregated only).</summary>
    [Id(12)] public Transfer.KvTransportKind? KvTransport { get; init; }
    /// <summary>Prompt tokens whose KV came from a prefix cache (the engine's count, not the router's estimate).</summary>
    [Id(13)] public int CachedPromptTokens { get; init; }
    /// <summary>Where the prompt was prefilled and why (the disaggregation decision of the last route).</summary>
    [Id(14)] public PrefillDecision? PrefillDecision { get; init; }
    /// <summary>How the decode worker was chosen.</summary>
    [Id(15)] public RouterMode? RouterMode { get; init; }
    /// <summary>Prompt tokens the router's KV index expected the chosen decode worker to hold (0 outside kv mode).</summary>
    [Id(16)] public int RoutedOverlapTokens { get; init; }
}
