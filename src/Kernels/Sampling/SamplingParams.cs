namespace Dynamo.Orleans.Kernels.Sampling;

/// <summary>
/// How to pick each next token, and when to stop. Temperature 0 means greedy. This record is the one sampling contract:
/// its initializers are the defaults every layer applies (a request that leaves a field out gets these values) and
/// <see cref="Validate"/> is the one range check.
/// </summary>
public sealed record SamplingParams
{
    /// <summary>Every field at its default.</summary>
    public static SamplingParams Default { get; } = new();

    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    /// <summary>0 or less: no top-k cut.</summary>
    public int TopK { get; init; }
    /// <summary>Same seed, same prompt, same parameters → same tokens, wherever the sequence runs. Null: the engine picks one.</summary>
    public ulong? Seed { get; init; }
    public int MaxTokens { get; init; } = 16;
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    /// <summary>Keep generating past the model's end-of-sequence tokens (benchmarks want fixed output lengths).</summary>
    public bool IgnoreEos { get; init; }
    /// <summary>Null: no logprobs. 0: the chosen token's logprob only. N: also the N most likely alternatives.</summary>
    public int? Logprobs { get; init; }

    public bool IsGreedy => Temperature == 0;

    public static SamplingParams Greedy(int maxTokens) => new() { Temperature = 0, MaxTokens = maxTokens };

    /// <summary>Throws <see cref="SamplingParameterException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (double.IsNaN(Temperature) || Temperature < 0 || Temperature > 100)
            throw new SamplingParameterException("temperature", $"temperature must be between 0 and 100, got {Temperature}");
        if (double.IsNaN(TopP) || TopP <= 0 || TopP > 1) throw new SamplingParameterException("top_p", $"top_p must be in (0, 1], got {TopP}");
        if (MaxTokens < 1) throw new SamplingParameterException("max_tokens", $"max_tokens must be at least 1, got {MaxTokens}");
        if (Logprobs is < 0 or > 20) throw new SamplingParameterException("logprobs", $"logprobs must be between 0 and 20, got {Logprobs}");
    }
}
