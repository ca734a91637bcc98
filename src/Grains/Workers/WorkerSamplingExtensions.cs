using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Workers;

/// <summary>Translations between the wire records workers receive and the engine's own types.</summary>
public static class WorkerSamplingExtensions
{
    public static SamplingParams ToSamplingParams(this WorkerSampling s) => new()
    {
        Temperature = s.Temperature, TopP = s.TopP, TopK = s.TopK, MaxTokens = s.MaxTokens, StopTokenIds = s.StopTokenIds,
        IgnoreEos = s.IgnoreEos, Logprobs = s.Logprobs, Seed = s.Seed,
    };

    /// <summary>The wire form of resolved parameters: the seed must be fixed by now, so that every worker draws alike.</summary>
    public static WorkerSampling ToWorkerSampling(this SamplingParams p) => new()
    {
        Temperature = p.Temperature, TopP = p.TopP, TopK = p.TopK, MaxTokens = p.MaxTokens, StopTokenIds = p.StopTokenIds,
        IgnoreEos = p.IgnoreEos, Logprobs = p.Logprobs,
        Seed = p.Seed ?? throw new ArgumentException("sampling parameters go to workers with their seed fixed", nameof(p)),
    };

    public static WorkerToken ToWorkerToken(this GeneratedToken t) => new(
        t.TokenId, t.Logprob,
        t.TopLogprobs?.Select(x => x.TokenId).ToArray(), t.TopLogprobs?.Select(x => x.Logprob).ToArray(),
        t.Finish is { } f ? f.ToCompletionFinishReason() : null);

    public static CompletionFinishReason ToCompletionFinishReason(this FinishReason reason) => reason switch
    {
        FinishReason.Stop => CompletionFinishReason.Stop,
        FinishReason.Length => CompletionFinishReason.Length,
        FinishReason.Cancelled => CompletionFinishReason.Cancelled,
        _ => CompletionFinishReason.Error,
    };
}
