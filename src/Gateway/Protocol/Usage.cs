namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>OpenAI's <c>usage</c>; cached prompt tokens are those whose KV came from the prefix cache.</summary>
public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails PromptTokensDetails)
{
    public static Usage From(CompletionUsage usage) =>
        new(usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens, new PromptTokensDetails(usage.CachedPromptTokens));
}

public sealed record PromptTokensDetails(int CachedTokens);
