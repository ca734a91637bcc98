using Dynamo.Orleans.Grains.Models;
using Dynamo.Orleans.Grains.Workers;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Templates;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Sequences;

/// <summary>A validated request: its prompt as token ids and its sampling with the seed fixed.</summary>
internal sealed record PreparedRequest(IReadOnlyList<int> Prompt, WorkerSampling Sampling, IReadOnlyList<string> Stop)
{
    /// <summary>
    /// Validates <paramref name="r"/> against the model and, when known, the largest KV cache of a decode worker
    /// (<paramref name="kvCapacityTokens"/>): a sequence must fit both, or no worker could ever hold it.
    /// </summary>
    public static PreparedRequest From(GenerateRequest r, ModelCatalog model, int? kvCapacityTokens = null)
    {
        int given = (r.Prompt is null ? 0 : 1) + (r.PromptTokenIds is null ? 0 : 1) + (r.Messages is null ? 0 : 1);
        if (given != 1) throw new RequestValidationException("give exactly one of prompt, prompt token ids or messages", "prompt");
        if (r.Model is { Length: > 0 } name && name != model.Name) throw new RequestValidationException($"model '{name}' is not served here; this cluster serves '{model.Name}'", "model");
        if (r.Stop.Count > 4) throw new RequestValidationException("at most 4 stop strings are allowed", "stop");
        IReadOnlyList<int> prompt;
        if (r.PromptTokenIds is { } ids)
        {
            int vocab = model.Tokenizer.VocabSize;
            foreach (var id in ids)
                if (id < 0 || id >= vocab) throw new RequestValidationException($"token id {id} is outside the vocabulary (0..{vocab - 1})", "prompt");
            prompt = ids;
        }
        else if (r.Messages is { } messages)
        {
            if (messages.Count == 0) throw new RequestValidationException("messages must not be empty", "messages");
            var template = model.ChatTemplate ?? throw new RequestValidationException($"model '{model.Name}' has no chat template: send a prompt instead", "messages");
            try
            {
                prompt = ChatPrompt.Encode(template, model.Tokenizer, messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList());
            }
            catch (ChatTemplateException e)
            {
                // e.g. a template that insists on alternating user/assistant roles
                throw new RequestValidationException($"the model's chat template refused these messages: {e.Message}", "messages");
            }
        }
        else prompt = model.Tokenizer.Encode(r.Prompt!);
        string promptParameter = r.Messages is null ? "prompt" : "messages";
        if (prompt.Count == 0) throw new RequestValidationException("the prompt is empty", promptParameter);
        var (limit, limitText) = kvCapacityTokens is { } kv && kv < model.MaxModelLen
            ? (kv, $"the largest KV cache of any decode worker holds {kv} tokens")
            : (model.MaxModelLen, $"this model's context window is {model.MaxModelLen} tokens");
        if (prompt.Count >= limit)
            throw new RequestValidationException($"{limitText}, but the prompt has {prompt.Count} tokens, which leaves no room for output; shorten the prompt", promptParameter);
        // A chat request without max_tokens may use the room left (OpenAI's behaviour); a completion gets 16 (OpenAI's legacy default).
        var sampling = ResolveSampling(r, r.Messages is null ? null : limit - prompt.Count);
        if (prompt.Count + sampling.MaxTokens > limit)
            throw new RequestValidationException(
                $"{limitText}, but {prompt.Count} prompt tokens plus max_tokens {sampling.MaxTokens} were requested " +
                $"({prompt.Count + sampling.MaxTokens}); shorten the prompt or lower max_tokens", "max_tokens");
        return new PreparedRequest(prompt, sampling.ToWorkerSampling(), r.Stop);
    }

    /// <summary>The request's sampling with the engine's defaults for what it leaves out, checked, and its seed fixed.</summary>
    private static SamplingParams ResolveSampling(GenerateRequest r, int? defaultMaxTokens)
    {
        var defaults = SamplingParams.Default;
        var sampling = new SamplingParams
        {
            Temperature = r.Temperature ?? defaults.Temperature, TopP = r.TopP ?? defaults.TopP, TopK = r.TopK,
            MaxTokens = r.MaxTokens ?? defaultMaxTokens ?? defaults.MaxTokens, StopTokenIds = r.StopTokenIds, IgnoreEos = r.IgnoreEos,
            Logprobs = r.Logprobs, Seed = r.Seed ?? (ulong)Random.Shared.NextInt64(),
        };
        try
        {
            sampling.Validate();
        }
        catch (SamplingParameterException e)
        {
            throw new RequestValidationException(e.Message, e.Parameter);
        }
        return sampling;
    }
}
