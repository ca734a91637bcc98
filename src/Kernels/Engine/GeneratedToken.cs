using Dynamo.Orleans.Kernels.Sampling;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>One token produced for a sequence; <see cref="Finish"/> is set on the last one.</summary>
public sealed record GeneratedToken(int TokenId, float? Logprob, IReadOnlyList<TokenLogprob>? TopLogprobs, FinishReason? Finish);
