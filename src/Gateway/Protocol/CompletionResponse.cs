using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>
/// A legacy completion (<c>object: "text_completion"</c>); streamed chunks have the same shape, one choice each, and
/// no usage except the last one when <c>stream_options.include_usage</c> asks for it.
/// </summary>
public sealed record CompletionResponse(
    [property: JsonPropertyOrder(-2)] string Id, long Created, string Model, IReadOnlyList<CompletionChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Usage? Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "text_completion";
    public string? SystemFingerprint => null;
}

public sealed record CompletionChoice(int Index, string Text, CompletionLogprobs? Logprobs, string? FinishReason);
