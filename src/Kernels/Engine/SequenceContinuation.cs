using Dynamo.Orleans.Kernels.Sampling;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// What a decode engine needs, besides the KV pages, to carry on a sequence another engine started: all its tokens so
/// far (prompt then output), where the prompt ends, the sampling parameters and the seed in use.
/// </summary>
public sealed record SequenceContinuation(IReadOnlyList<int> Tokens, int PromptLength, SamplingParams Parameters, ulong Seed)
{
    public int Generated => Tokens.Count - PromptLength;
}
