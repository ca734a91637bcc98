using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Model;
using Dynamo.Orleans.Kernels.Tests.Model;

namespace Dynamo.Orleans.Kernels.Tests.Engine;

/// <summary>Engines over the same seeded random model, and the greedy continuation computed without any cache.</summary>
internal static class EngineFixture
{
    public static LlmEngine Create(string architecture = "LlamaForCausalLM", int blockSize = 4, int? blocks = 64,
                                   int maxBatchedTokens = 256, int maxNumSeqs = 32, bool prefixCaching = true,
                                   Action<EngineOptions>? configure = null)
    {
        var model = RandomModels.Create(RandomModels.Config(architecture));
        var options = new EngineOptions
        {
            BlockSize = blockSize, KvCacheBlocks = blocks, MaxBatchedTokens = maxBatchedTokens, MaxNumSeqs = maxNumSeqs,
            EnablePrefixCaching = prefixCaching, Threads = 1,
        };
        configure?.Invoke(options);
        return new LlmEngine(model, options, []);
    }

    /// <summary>Greedy tokens by re-running the full cache-free forward for every new token (the product's own reference).</summary>
    public static int[] ReferenceGreedy(LlamaModel model, IReadOnlyList<int> prompt, int maxTokens) =>
        Dynamo.Orleans.Kernels.Diagnostics.DeviceInvariants.ReferenceGreedy(model, prompt, maxTokens);

    public static int[] Prompt(int length, int salt) => Enumerable.Range(0, length).Select(i => (i * 31 + salt * 17 + 7) % 256).ToArray();

    public static async Task<int[]> Greedy(LlmEngine engine, IReadOnlyList<int> prompt, int maxTokens)
    {
        var (tokens, finish) = await engine.GenerateAsync(prompt, Sampling.SamplingParams.Greedy(maxTokens));
        Assert.Equal(FinishReason.Length, finish);
        return tokens.Select(t => t.TokenId).ToArray();
    }

    /// <summary>Waits until the engine has processed everything posted so far and returns fresh stats.</summary>
    public static Task<EngineStats> SettledStats(LlmEngine engine) => engine.SettledStatsAsync();
}
