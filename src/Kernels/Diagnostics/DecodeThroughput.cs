using System.Diagnostics;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;

namespace Dynamo.Orleans.Kernels.Diagnostics;

/// <summary>
/// Batch-1 greedy decode speed of an engine, with the bytes each step must read at least: every weight of the layers and
/// the head (<see cref="Model.LlamaModel.StepWeightBytes"/>) plus the KV of the context so far. Batch-1 decode is bound
/// by memory bandwidth, so bandwidth ÷ bytes per token is the speed no implementation can beat.
/// </summary>
public static class DecodeThroughput
{
    /// <summary>
    /// Decodes <paramref name="tokens"/> greedy tokens after a warm-up run of the same prompt (the first call of each shape
    /// is slow on every device); the timed span runs from the first token to the last, so prefill is not in it.
    /// </summary>
    public static async Task<DecodeMeasurement> MeasureAsync(LlmEngine engine, IReadOnlyList<int> prompt, int tokens,
                                                             CancellationToken cancellationToken = default)
    {
        if (tokens < 2) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "decode speed needs at least 2 tokens");
        var parameters = SamplingParams.Greedy(tokens) with { IgnoreEos = true };
        await engine.GenerateAsync(prompt, parameters with { MaxTokens = Math.Min(tokens, 16) }, cancellationToken).ConfigureAwait(false);

        var handle = engine.Submit(prompt, parameters);
        var ids = new List<int>(tokens);
        var clock = new Stopwatch();
        await foreach (var token in handle.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (ids.Count == 0) clock.Start();
            ids.Add(token.TokenId);
        }
        clock.Stop();
        if (ids.Count < 2) throw new InvalidOperationException($"the engine produced {ids.Count} token(s); decode speed needs 2");

        var config = engine.Model.Config;
        long kvBytesPerPosition = KvCache.BytesPerBlock(config.NumHiddenLayers, 1, config.NumKeyValueHeads, config.HeadDim, engine.Model.DType);
        // Decode step i (1..n-1) attends over the prompt and i generated tokens: on average prompt + n / 2 positions.
        double meanContext = prompt.Count + ids.Count / 2.0;
        int decoded = ids.Count - 1;
        return new DecodeMeasurement(decoded, clock.Elapsed.TotalSeconds, engine.Model.StepWeightBytes, (long)(meanContext * kvBytesPerPosition),
                                     ids);
    }
}
