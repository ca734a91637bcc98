namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>
/// The legacy completions <c>prompt</c> in any of OpenAI's four forms: a string, an array of strings, an array of token
/// ids, or an array of token-id arrays. Arrays are batches; each element is one prompt.
/// </summary>
public sealed record CompletionPrompt(IReadOnlyList<string>? Texts, IReadOnlyList<IReadOnlyList<int>>? TokenIds)
{
    public int Count => Texts?.Count ?? TokenIds?.Count ?? 0;
}
