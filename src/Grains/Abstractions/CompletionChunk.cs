namespace Dynamo.Orleans;

/// <summary>Why a completion ended, in OpenAI's terms where they exist.</summary>
public enum CompletionFinishReason
{
    /// <summary>An end-of-sequence token, a stop token or a stop string.</summary>
    Stop,
    /// <summary>max_tokens or the context window.</summary>
    Length,
    Cancelled,
    Error,
}

[GenerateSerializer, Immutable]
public sealed record TopLogprob([property: Id(0)] int TokenId, [property: Id(1)] string Token, [property: Id(2)] float Logprob);

[GenerateSerializer, Immutable]
public sealed record TokenLogprobInfo(
    [property: Id(0)] int TokenId,
    [property: Id(1)] string Token,
    [property: Id(2)] float Logprob,
    [property: Id(3)] IReadOnlyList<TopLogprob> TopLogprobs);

[GenerateSerializer, Immutable]
public sealed record CompletionUsage(
    [property: Id(0)] int PromptTokens,
    [property: Id(1)] int CompletionTokens,
    /// <summary>Prompt tokens whose KV came from a prefix cache instead of being computed.</summary>
    [property: Id(2)] int CachedPromptTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>
/// A piece of a streamed completion: new text (never half a character), the token ids behind it and, when asked,
/// their logprobs. The last chunk carries <see cref="FinishReason"/> and <see cref="Usage"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CompletionChunk
{
    [Id(0)] public string Text { get; init; } = "";
    [Id(1)] public IReadOnlyList<int> TokenIds { get; init; } = [];
    [Id(2)] public IReadOnlyList<TokenLogprobInfo>? Logprobs { get; init; }
    [Id(3)] public CompletionFinishReason? FinishReason { get; init; }
    [Id(4)] public CompletionUsage? Usage { get; init; }
    /// <summary>The prompt's token ids, on the first chunk only.</summary>
    [Id(5)] public IReadOnlyList<int>? PromptTokenIds { get; init; }
}
