using Dynamo.Orleans.Kernels.Sampling;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// What a decode engine needs, besides the KV pages, to carry on a sequence another engine started: all its tokens so
/// far (prompt then output), where the prompt ends, and the sampling parameters with the seed in use.
/// </summary>
public sealed record SequenceContinuation(IReadOnlyList<int> Tokens, int PromptLength, SamplingParams Parameters)
{
    /// <summary>The seed must travel: the next token's draw depends on it and on how many tokens came before.</summary>
    public SamplingParams Parameters { get; } = Parameters.Seed is not null ? Parameters
        : throw new ArgumentException("a continuation carries the seed its sequence started with", nameof(Parameters));

    public int Generated => Tokens.Count - PromptLength;
}
