using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>The body of <c>POST /v1/completions</c> (OpenAI's legacy completions): the shared fields plus the prompt.</summary>
public sealed record CompletionRequest : GenerationRequest
{
    [JsonConverter(typeof(CompletionPromptConverter))]
    public CompletionPrompt? Prompt { get; init; }
    /// <summary>Legacy shape: the number of alternatives to return per token (0 = only the chosen token's logprob).</summary>
    public int? Logprobs { get; init; }
    public int? BestOf { get; init; }
    public bool? Echo { get; init; }
    public string? Suffix { get; init; }
}
