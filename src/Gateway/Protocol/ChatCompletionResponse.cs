namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>A whole chat completion (<c>object: "chat.completion"</c>).</summary>
public sealed record ChatCompletionResponse(
    string Id, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage Usage)
{
    public string Object => "chat.completion";
    public string? SystemFingerprint => null;
}

public sealed record ChatChoice(int Index, AssistantMessage Message, ChatLogprobs? Logprobs, string? FinishReason);

public sealed record AssistantMessage(string Content)
{
    public string Role => "assistant";
}
