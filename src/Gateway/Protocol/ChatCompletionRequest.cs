using System.Text.Json;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>The body of <c>POST /v1/chat/completions</c>: the shared fields plus messages and chat's own options.</summary>
public sealed record ChatCompletionRequest : GenerationRequest
{
    public IReadOnlyList<ChatMessageInput>? Messages { get; init; }
    public int? MaxCompletionTokens { get; init; }
    public bool? Logprobs { get; init; }
    public int? TopLogprobs { get; init; }
    public JsonElement? Tools { get; init; }
    public JsonElement? ResponseFormat { get; init; }
}
