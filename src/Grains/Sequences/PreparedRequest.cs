using Dynamo.Orleans.Grains.Workers;
using Dynamo.Orleans.Kernels.Templates;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Sequences;

/// <summary>A validated request: its prompt as token ids and its sampling with the seed fixed.</summary>
internal sealed record PreparedRequest(IReadOnlyList<int> Prompt, WorkerSampling Sampling, IReadOnlyList<string> Stop)
{
    public static PreparedRequest From(GenerateRequest r, ModelCatalog model)
    {
        int given = (r.Prompt is null ? 0 : 1) + (r.PromptTokenIds is null ? 0 : 1) + (r.Messages is null ? 0 : 1);
        if (given != 1) throw new ArgumentException("give exactly one of prompt, prompt token ids or messages");
        if (r.Model is { Length: > 0 } name && name != model.Name) throw new ArgumentException($"model '{name}' is not served here; this cluster serves '{model.Name}'");
        if (r.MaxTokens < 1) throw new ArgumentException($"max_tokens must be at least 1, got {r.MaxTokens}");
        if (r.Stop.Count > 4) throw new ArgumentException("at most 4 stop strings are allowed");
        IReadOnlyList<int> prompt;
        if (r.PromptTokenIds is { } ids)
        {
            int vocab = model.Tokenizer.VocabSize;
            foreach (var id in ids)
                if (id < 0 || id >= vocab) throw new ArgumentException($"token id {id} is outside the vocabulary (0..{vocab - 1})");
            prompt = ids;
        }
        else if (r.Messages is { } messages)
        {
            if (messages.Count == 0) throw new ArgumentException("messages must not be empty");
            var template = model.ChatTemplate ?? throw new ArgumentException($"model '{model.Name}' has no chat template: send a prompt instead");
            var text = template.Render(messages.Select(m => new ChatMessage(m.Role, m.Content)).ToList(), addGenerationPrompt: true,
                new Dictionary<string, object?> { ["bos_token"] = model.Tokenizer.BosToken ?? "", ["eos_token"] = model.Tokenizer.EosToken ?? "" });
            prompt = model.Tokenizer.Encode(text, addSpecialTokens: false);
        }
        else prompt = model.Tokenizer.Encode(r.Prompt!);
        if (prompt.Count == 0) throw new ArgumentException("the prompt is empty");
        if (prompt.Count >= model.MaxModelLen)
            throw new ArgumentException($"the prompt has {prompt.Count} tokens but the context window is {model.MaxModelLen}");
        var sampling = new WorkerSampling
        {
            Temperature = r.Temperature, TopP = r.TopP, TopK = r.TopK, MaxTokens = r.MaxTokens, StopTokenIds = r.StopTokenIds,
            IgnoreEos = r.IgnoreEos, Logprobs = r.Logprobs, Seed = r.Seed ?? (ulong)Random.Shared.NextInt64(),
        };
        sampling.ToSamplingParams().Validate();
        return new PreparedRequest(prompt, sampling, r.Stop);
    }
}
