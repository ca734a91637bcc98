using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using static Dynamo.Orleans.Kernels.Tests.Engine.EngineFixture;

namespace Dynamo.Orleans.Kernels.Tests.Engine;

public sealed class EngineTests
{
    [Theory]
    [InlineData("LlamaForCausalLM", 1)]
    [InlineData("LlamaForCausalLM", 4)]
    [InlineData("LlamaForCausalLM", 9)]
    [InlineData("MistralForCausalLM", 8)]
    [InlineData("Qwen2ForCausalLM", 5)]
    public async Task Greedy_output_equals_the_cache_free_reference(string architecture, int promptLength)
    {
        using var engine = Create(architecture);
        var prompt = Prompt(promptLength, 1);
        Assert.Equal(ReferenceGreedy(engine.Model, prompt, 10), await Greedy(engine, prompt, 10));
    }

    [Fact]
    public async Task Concurrent_sequences_batch_together_and_each_gets_its_own_output()
    {
        using var alone = Create();
        var prompts = Enumerable.Range(0, 12).Select(i => Prompt(3 + i, i)).ToArray();
        var expected = new List<int[]>();
        foreach (var p in prompts) expected.Add(await Greedy(alone, p, 8));

        using var engine = Create(blocks: 128);
        var results = await Task.WhenAll(prompts.Select(p => Greedy(engine, p, 8)));
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(expected[i], results[i]);
        var stats = await SettledStats(engine);
        Assert.True(stats.Steps < 12 * 9, $"{stats.Steps} steps for 12 sequences of 8 tokens: they were not batched");
        Assert.Equal(0, stats.UsedBlocks);
    }

    [Fact]
    public async Task Chunked_prefill_gives_the_same_tokens_as_one_shot_prefill()
    {
        var prompt = Prompt(37, 3);
        using var oneShot = Create(maxBatchedTokens: 256);
        using var chunked = Create(maxBatchedTokens: 6, maxNumSeqs: 4); // 37 tokens in chunks of at most 6
        Assert.Equal(await Greedy(oneShot, prompt, 8), await Greedy(chunked, prompt, 8));
        Assert.True((await SettledStats(chunked)).Steps >= 7 + 7);
    }

    [Fact]
    public async Task Prefix_reuse_gives_the_same_tokens_as_no_reuse()
    {
        var shared = Prompt(18, 5);
        var second = shared.Concat(Prompt(5, 9)).ToArray();
        using var noReuse = Create(prefixCaching: false);
        var expected = await Greedy(noReuse, second, 8);

        using var engine = Create();
        await Greedy(engine, shared, 4);
        var handle = engine.Submit(second, SamplingParams.Greedy(8));
        var tokens = new List<int>();
        await foreach (var t in handle.ReadAllAsync()) tokens.Add(t.TokenId);
        Assert.Equal(expected, tokens);
        Assert.Equal(16, handle.CachedPromptTokens); // 4 full blocks of 4 from the first request's 18-token prompt
    }

    [Fact]
    public async Task A_small_cache_preempts_and_recomputes_without_changing_outputs()
    {
        var prompts = Enumerable.Range(0, 6).Select(i => Prompt(10, 20 + i)).ToArray();
        using var roomy = Create(blocks: 256);
        var expected = await Task.WhenAll(prompts.Select(p => Greedy(roomy, p, 12)));

        using var tight = Create(blocks: 14, prefixCaching: false); // 6 sequences x 6 blocks each cannot all fit
        var results = await Task.WhenAll(prompts.Select(p => Greedy(tight, p, 12)));
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(expected[i], results[i]);
        var stats = await SettledStats(tight);
        Assert.True(stats.Preemptions > 0, "the cache was meant to be too small for all six at once");
        Assert.Equal(0, stats.UsedBlocks);
    }

    [Fact]
    public async Task Cancelling_frees_the_blocks_at_once()
    {
        using var engine = Create();
        var handle = engine.Submit(Prompt(9, 2), SamplingParams.Greedy(10_000) with { IgnoreEos = true });
        await handle.Tokens.ReadAsync(); // it is running
        handle.Cancel();
        Assert.Equal(FinishReason.Cancelled, await handle.Completion);
        var stats = await SettledStats(engine);
        Assert.Equal(0, stats.UsedBlocks);
        Assert.Equal(0, stats.Running);
    }

    [Fact]
    public async Task Cancelling_a_waiting_sequence_and_a_token_source_both_end_the_sequence()
    {
        using var engine = Create();
        using var cts = new CancellationTokenSource();
        var handle = engine.Submit(Prompt(5, 3), SamplingParams.Greedy(10_000));
        var read = Task.Run(async () => { await foreach (var _ in handle.ReadAllAsync(cts.Token)) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        Assert.Equal(FinishReason.Cancelled, await handle.Completion);
        Assert.Equal(0, (await SettledStats(engine)).UsedBlocks);
    }

    [Fact]
    public async Task Seeded_sampling_is_reproducible_and_the_seed_matters()
    {
        using var engine = Create();
        var prompt = Prompt(6, 4);
        var p = new SamplingParams { Temperature = 1.5, TopP = 0.95, TopK = 50, Seed = 42, MaxTokens = 24 };
        var a = (await engine.GenerateAsync(prompt, p)).Tokens.Select(t => t.TokenId).ToArray();
        var b = (await engine.GenerateAsync(prompt, p)).Tokens.Select(t => t.TokenId).ToArray();
        var c = (await engine.GenerateAsync(prompt, p with { Seed = 43 })).Tokens.Select(t => t.TokenId).ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public async Task Stop_tokens_end_the_sequence_with_stop()
    {
        using var engine = Create();
        var prompt = Prompt(7, 6);
        var free = await Greedy(engine, prompt, 6);
        var (tokens, finish) = await engine.GenerateAsync(prompt, SamplingParams.Greedy(6) with { StopTokenIds = [free[2]] });
        Assert.Equal(FinishReason.Stop, finish);
        Assert.Equal(free.Take(Array.IndexOf(free, free[2]) + 1), tokens.Select(t => t.TokenId));
        Assert.Equal(FinishReason.Stop, tokens[^1].Finish);
    }

    [Fact]
    public async Task Logprobs_are_a_distribution_and_the_greedy_token_is_the_most_likely()
    {
        using var engine = Create();
        var (tokens, _) = await engine.GenerateAsync(Prompt(5, 8), SamplingParams.Greedy(3) with { Logprobs = 5 });
        foreach (var t in tokens)
        {
            Assert.NotNull(t.Logprob);
            Assert.True(t.Logprob <= 0);
            Assert.Equal(5, t.TopLogprobs!.Count);
            Assert.Equal(t.TokenId, t.TopLogprobs[0].TokenId);
            Assert.Equal(t.Logprob!.Value, t.TopLogprobs[0].Logprob, 5);
        }
    }

    [Fact]
    public void Invalid_requests_are_refused_with_a_precise_message()
    {
        using var engine = Create(blocks: 4);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => engine.Submit([], SamplingParams.Greedy(1))).Message);
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => engine.Submit([1, 999], SamplingParams.Greedy(1))).Message);
        var sampling = Assert.Throws<SamplingParameterException>(() => engine.Submit([1], new SamplingParams { TopP = 0 }));
        Assert.Contains("top_p", sampling.Message);
        Assert.Equal("top_p", sampling.Parameter);
        Assert.Contains("cache holds only 4", Assert.Throws<KvCacheFullException>(() => engine.Submit(Prompt(40, 1), SamplingParams.Greedy(1))).Message);
    }
}
