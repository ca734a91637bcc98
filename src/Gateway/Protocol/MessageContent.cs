namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>
/// A message's <c>content</c>: OpenAI accepts a string or an array of typed parts. Parts are kept as sent so that a
/// part this model cannot take (an image, audio) is refused by name rather than dropped.
/// </summary>
public sealed record MessageContent(IReadOnlyList<MessageContentPart> Parts);

/// <summary>One content part: <c>{"type": "text", "text": "..."}</c> is the only kind a text model takes.</summary>
public sealed record MessageContentPart(string Type, string? Text);
