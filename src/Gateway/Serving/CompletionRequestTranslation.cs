using Dynamo.Orleans.Gateway.Errors;
using Dynamo.Orleans.Gateway.Protocol;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>A legacy completion request as the fabric takes it.</summary>
internal static class CompletionRequestTranslation
{
    /// <summary>OpenAI's legacy default when max_tokens is omitted.</summary>
    public const int DefaultMaxTokens = 16;

    public static GenerateRequest ToGenerateRequest(this CompletionRequest r)
    {
        if (r.Prompt is not { } prompt || prompt.Count == 0) throw ApiError.Invalid("prompt must be given.", "prompt", "missing_required_parameter");
        // An array of prompts is a batch with one choice per prompt; this server returns one choice per request.
        if (prompt.Count > 1)
            throw ApiError.Unsupported("prompt", $"a batch of {prompt.Count} prompts is not supported: send one prompt (a string or one token-id array) per request.");
        ParameterRules.RequireSingleChoice(r.N);
        if (r.BestOf is { } bestOf && bestOf != 1) throw ApiError.Unsupported("best_of", $"best_of={bestOf} is not supported: only 1 is accepted.");
        if (r.Echo == true) throw ApiError.Unsupported("echo", "echo is not supported by this server.");
        if (!string.IsNullOrEmpty(r.Suffix)) throw ApiError.Unsupported("suffix", "suffix (insertion) is not supported by this model.");
        ParameterRules.RejectPenalty("frequency_penalty", r.FrequencyPenalty);
        ParameterRules.RejectPenalty("presence_penalty", r.PresencePenalty);
        ParameterRules.RejectLogitBias(r.LogitBias);
        ParameterRules.RequireStreamForStreamOptions(r.Stream, r.StreamOptions);
        return new GenerateRequest
        {
            Prompt = prompt.Texts?[0],
            PromptTokenIds = prompt.TokenIds?[0],
            Model = r.Model,
            MaxTokens = ParameterRules.MaxTokens("max_tokens", r.MaxTokens, DefaultMaxTokens),
            Temperature = r.Temperature ?? 1.0,
            TopP = r.TopP ?? 1.0,
            TopK = ParameterRules.TopK(r.TopK),
            Seed = ParameterRules.Seed(r.Seed),
            Stop = r.Stop ?? [],
            StopTokenIds = r.StopTokenIds ?? [],
            IgnoreEos = r.IgnoreEos ?? false,
            Logprobs = r.Logprobs,
        };
    }
}
