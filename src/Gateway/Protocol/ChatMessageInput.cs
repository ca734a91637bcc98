using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>One entry of a chat request's <c>messages</c>.</summary>
public sealed record ChatMessageInput
{
    public string? Role { get; init; }

    [JsonConverter(typeof(MessageContentConverter))]
    public MessageContent? Content { get; init; }

    public string? Name { get; init; }
}
