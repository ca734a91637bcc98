using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>A whole chat completion (<c>object: "chat.completion"</c>).</summary>
public sealed record ChatCompletionResponse(
    [property: JsonPropertyOrder(-2)] string Id, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "chat.completion";
    public string? SystemFingerprint => null;
}

public sealed record ChatChoice(int Index, AssistantMessage Message, ChatLogprobs? Logprobs, string? FinishReason);

public sealed record AssistantMessage(string Content)
{
    [JsonPropertyOrder(-1)]
    public string Role => "assistant";
}
