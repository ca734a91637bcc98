using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>
/// What the bodies of <c>/v1/chat/completions</c> and <c>/v1/completions</c> share: the model, sampling, stop rules and
/// streaming. Fields OpenAI defines that this server cannot honour are read too, so that a request using them is
/// refused instead of silently served without them; fields nobody defines are ignored.
/// </summary>
public abstract record GenerationRequest
{
    public string? Model { get; init; }
    public int? MaxTokens { get; init; }
    public double? Temperature { get; init; }
    public double? TopP { get; init; }
    public long? Seed { get; init; }
    [JsonConverter(typeof(StopSequencesConverter))]
    public IReadOnlyList<string>? Stop { get; init; }
    public int? N { get; init; }
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
