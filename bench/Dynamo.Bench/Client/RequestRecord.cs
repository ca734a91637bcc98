namespace Dynamo.Orleans.Bench.Client;

/// <summary>
/// What happened to one request, as written to the JSONL records. Times are seconds: <see cref="StartS"/> from the start
/// of the run, the others from the request's own start. <see cref="ChunkTimesS"/> holds the arrival of every streamed
/// chunk that carried generated text, so any latency can be recomputed from the file.
/// </summary>
public sealed record RequestRecord
{
    public required string Class { get; init; }
    public required int Session { get; init; }
    public required int Turn { get; init; }
    public required bool Warmup { get; init; }
    public required int PromptTokens { get; init; }
    public required int ExpectedOutputTokens { get; init; }
    public required double StartS { get; init; }
    public int OutputTokens { get; init; }
    /// <summary>Prompt tokens the server took from its prefix cache (its usage's <c>prompt_tokens_details.cached_tokens</c>); null when it did not say.</summary>
    public int? CachedTokens { get; init; }
    /// <summary>Time to the first chunk with generated text; null when none came.</summary>
    public double? TtftS { get; init; }
    public double E2eS { get; init; }
    public string? FinishReason { get; init; }
    public string? Error { get; init; }
    public IReadOnlyList<double> ChunkTimesS { get; init; } = [];

    /// <summary>Completed with exactly the tokens asked for: anything else is a lost or short request.</summary>
    public bool Succeeded => Error is null && OutputTokens == ExpectedOutputTokens && TtftS is not null;

    /// <summary>
    /// Mean inter-token latency as genai-perf defines it: the time after the first token divided by the tokens after it.
    /// Null for one-token answers, which have no inter-token time.
    /// </summary>
    public double? MeanItlS => TtftS is { } ttft && OutputTokens > 1 ? (E2eS - ttft) / (OutputTokens - 1) : null;

    /// <summary>Gaps between consecutive text chunks: where a decode stream stalls (e.g. behind a long prefill) shows here.</summary>
    public IEnumerable<double> ChunkGapsS()
    {
        for (int i = 1; i < ChunkTimesS.Count; i++) yield return ChunkTimesS[i] - ChunkTimesS[i - 1];
    }

    public double EndS => StartS + E2eS;
}
