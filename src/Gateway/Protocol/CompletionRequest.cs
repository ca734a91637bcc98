using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>The body of <c>POST /v1/completions</c> (OpenAI's legacy completions).</summary>
public sealed record CompletionRequest
{
    public string? Model { get; init; }
    [JsonConverter(typeof(CompletionPromptConverter))]
    public CompletionPrompt? Prompt { get; init; }
    public int? MaxTokens { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public long? Seed { get; init; }
    [JsonConverter(typeof(StopSequencesConverter))]
    public IReadOnlyList<string>? Stop { get; init; }
    /// <summary>Legacy shape: the number of alternatives to return per token (0 = only the chosen token's logprob).</summary>
    public int? Logprobs { get; init; }
    public int? N { get; init; }
    public int? BestOf { get; init; }
    public bool? Echo { get; init; }
    public string? Suffix { get; init; }
    public double? FrequencyPenalty { get; init; }
    public double? PresencePenalty { get; init; }
    public JsonElement? LogitBias { get; init; }
    public string? User { get; init; }
    public bool Stream { get; init; }
    public StreamOptions? StreamOptions { get; init; }

    // vLLM-style extensions
    public int? TopK { get; init; }
    public bool? IgnoreEos { get; init; }
    public IReadOnlyList<int>? StopTokenIds { get; init; }
}
