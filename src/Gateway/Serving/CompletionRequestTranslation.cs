using Dynamo.Orleans.Gateway.Errors;
using Dynamo.Orleans.Gateway.Protocol;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>A legacy completion request as the fabric takes it.</summary>
internal static class CompletionRequestTranslation
{
    public static GenerateRequest ToGenerateRequest(this CompletionRequest r)
    {
        if (r.Prompt is not { } prompt || prompt.Count == 0) throw ApiError.Invalid("prompt must be given.", "prompt", "missing_required_parameter");
        // An array of prompts is a batch with one choice per prompt; this server returns one choice per request.
        if (prompt.Count > 1)
            throw ApiError.Unsupported("prompt", $"a batch of {prompt.Count} prompts is not supported: send one prompt (a string or one token-id array) per request.");
        if (r.BestOf is { } bestOf && bestOf != 1) throw ApiError.Unsupported("best_of", $"best_of={bestOf} is not supported: only 1 is accepted.");
        if (r.Echo == true) throw ApiError.Unsupported("echo", "echo is not supported by this server.");
        if (!string.IsNullOrEmpty(r.Suffix)) throw ApiError.Unsupported("suffix", "suffix (insertion) is not supported by this model.");
        // max_tokens left out: the engine's default, 16, which is also OpenAI's legacy default.
        return r.TranslateCommonFields(r.MaxTokens) with
        {
            Prompt = prompt.Texts?[0],
            PromptTokenIds = prompt.TokenIds?[0],
            Logprobs = r.Logprobs,
        };
    }
}
