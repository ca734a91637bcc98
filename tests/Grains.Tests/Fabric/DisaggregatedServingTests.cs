using Dynamo.Orleans.Client;
using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Grains.Workers;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.DependencyInjection;

namespace Dynamo.Orleans.Grains.Tests.Fabric;

[Collection(nameof(FabricCluster))]
public sealed class DisaggregatedServingTests(FabricClusterFixture fixture)
{
    private static int[] Prompt(int length, int salt) => Enumerable.Range(0, length).Select(i => (i * 977 + salt * 131 + 5) % 50000).ToArray();

    [Theory]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(40)]
    public async Task Greedy_output_of_disaggregated_serving_equals_the_engine_alone(int promptLength)
    {
        var prompt = Prompt(promptLength, promptLength);
        var expected = await fixture.EngineAlone(prompt, 10);
        var id = DynamoClient.NewRequestId();
        var tokens = new List<int>();
        await foreach (var chunk in fixture.Dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = prompt, MaxTokens = 10, Temperature = 0 }, id))
            tokens.AddRange(chunk.TokenIds);
        Assert.Equal(expected, tokens);
        var status = await fixture.Dynamo.GetStatusAsync(id);
        Assert.True(status.Disaggregated, "the prompt should have been prefilled on the prefill pool");
        Assert.Equal(SequenceState.Finished, status.State);
        Assert.NotNull(status.HandoffSeconds);
    }

    [Fact]
    public async Task The_kv_pages_stream_queues_live_on_the_front_silo_not_on_a_worker()
    {
        // A handoff makes the prefill worker enqueue and every silo's pulling agents dequeue: the queues are activated.
        var id = DynamoClient.NewRequestId();
        await foreach (var _ in fixture.Dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = Prompt(24, 5), MaxTokens = 2, Temperature = 0 }, id)) { }
        Assert.True((await fixture.Dynamo.GetStatusAsync(id)).Disaggregated);

        // Silos start in any order: queues a worker placed before it knew the front end are brought home (StreamQueueHoming).
        var front = fixture.Cluster.Silos.Single(s => s.Name == "Silo_0").SiloAddress;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        IReadOnlyList<SiloAddress> queues;
        while ((queues = await ServingCluster.StreamQueueSilosAsync(fixture.Cluster.Client)).Any(q => q != front) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.NotEmpty(queues);
        Assert.All(queues, q => Assert.Equal(front, q));
    }

    [Fact]
    public async Task Seeded_sampling_through_the_handoff_equals_the_engine_alone()
    {
        var prompt = Prompt(24, 77);
        using var runtime = ModelRuntime.Load(new EngineOptions { Model = fixture.ModelDirectory, DType = "float32", Threads = 1, BlockSize = 16 });
        var p = new SamplingParams { Temperature = 0.9, TopP = 0.95, TopK = 40, Seed = 1234, MaxTokens = 12, IgnoreEos = true };
        var (alone, _) = await runtime.Engine.GenerateAsync(prompt, p);
        var id = DynamoClient.NewRequestId();
        var served = new List<int>();
        await foreach (var chunk in fixture.Dynamo.GenerateAsync(new GenerateRequest
        {
            PromptTokenIds = prompt, MaxTokens = 12, Temperature = 0.9, TopP = 0.95, TopK = 40, Seed = 1234, IgnoreEos = true,
        }, id)) served.AddRange(chunk.TokenIds);
        Assert.Equal(alone.Select(t => t.TokenId), served);
        Assert.True((await fixture.Dynamo.GetStatusAsync(id)).Disaggregated);
    }

    [Fact]
    public async Task Logprobs_come_with_token_text_and_alternatives()
    {
        var chunks = new List<CompletionChunk>();
        await foreach (var chunk in fixture.Dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = Prompt(20, 3), MaxTokens = 4, Temperature = 0, Logprobs = 3 }))
            chunks.Add(chunk);
        foreach (var chunk in chunks)
        {
            var lp = Assert.Single(chunk.Logprobs!);
            Assert.Equal(chunk.TokenIds[0], lp.TokenId);
            Assert.Equal(3, lp.TopLogprobs.Count);
            Assert.Equal(lp.TokenId, lp.TopLogprobs[0].TokenId); // greedy: the chosen token is the most likely
            Assert.True(lp.Logprob <= 0);
            Assert.False(string.IsNullOrEmpty(lp.Token));
        }
        Assert.Equal(20, chunks[0].PromptTokenIds!.Count);
        Assert.Equal(new CompletionUsage(20, 4, chunks[^1].Usage!.CachedPromptTokens), chunks[^1].Usage);
    }

    [Fact]
    public async Task Every_worker_activation_lands_in_its_pool()
    {
        await fixture.Dynamo.CompleteAsync(new GenerateRequest { PromptTokenIds = Prompt(20, 1), MaxTokens = 2, Temperature = 0 });
        foreach (var silo in fixture.Cluster.Silos)
        {
            var role = FabricClusterFixture.RoleOf(silo.Name);
            var grains = fixture.Cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredService<IGrainFactory>();
            var key = WorkerKeys.For(silo.SiloAddress, "cpu");
            if (role.HasFlag(WorkerRole.Prefill)) Assert.Equal(key, (await grains.GetGrain<IPrefillWorkerGrain>(key).GetLoad()).WorkerId);
            else await Assert.ThrowsAsync<WorkerPoolException>(() => grains.GetGrain<IPrefillWorkerGrain>(key).GetLoad());
            if (role.HasFlag(WorkerRole.Decode)) Assert.Equal(key, (await grains.GetGrain<IDecodeWorkerGrain>(key).GetLoad()).WorkerId);
            else await Assert.ThrowsAsync<WorkerPoolException>(() => grains.GetGrain<IDecodeWorkerGrain>(key).GetLoad());
        }
    }

    [Fact]
    public async Task Thirty_two_concurrent_sequences_all_finish_with_correct_outputs()
    {
        var prompts = Enumerable.Range(0, 32).Select(i => Prompt(10 + i % 20, 100 + i)).ToArray();
        var expected = new List<int[]>();
        foreach (var p in prompts) expected.Add(await fixture.EngineAlone(p, 6));
        var results = await Task.WhenAll(prompts.Select(p =>
            fixture.Dynamo.CompleteAsync(new GenerateRequest { PromptTokenIds = p, MaxTokens = 6, Temperature = 0 })));
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(CompletionFinishReason.Length, results[i].FinishReason);
            Assert.Equal(expected[i], results[i].TokenIds);
        }
    }

    [Fact]
    public async Task Cancelling_mid_stream_returns_both_workers_kv_blocks_to_baseline()
    {
        var before = await WorkerBlocks();
        using var cts = new CancellationTokenSource();
        int received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var chunk in fixture.Dynamo.GenerateAsync(
                new GenerateRequest { PromptTokenIds = Prompt(30, 7), MaxTokens = 400, Temperature = 0, IgnoreEos = true }, null, cts.Token))
            {
                if (++received == 5) cts.Cancel();
            }
        });
        await WaitFor(async () => (await WorkerBlocks()) == before, "KV blocks back at their baseline after cancellation");
    }

    [Fact]
    public async Task Text_prompts_stream_text_with_usage_and_stop_strings_cut_the_output()
    {
        var full = await fixture.Dynamo.CompleteAsync(new GenerateRequest { Prompt = "The capital of France is", MaxTokens = 12, Temperature = 0 });
        Assert.Equal(12, full.Usage!.CompletionTokens);
        Assert.True(full.Text.Length > 0);
        var stop = full.Text.Substring(full.Text.Length / 2, 2);
        var cut = await fixture.Dynamo.CompleteAsync(new GenerateRequest { Prompt = "The capital of France is", MaxTokens = 12, Temperature = 0, Stop = [stop] });
        Assert.Equal(CompletionFinishReason.Stop, cut.FinishReason);
        Assert.Equal(full.Text[..full.Text.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
    }

    [Fact]
    public async Task Invalid_requests_fail_with_a_precise_message()
    {
        var error = await Assert.ThrowsAsync<RequestValidationException>(() =>
            fixture.Dynamo.CompleteAsync(new GenerateRequest { PromptTokenIds = [1, 99_999_999], MaxTokens = 2 }));
        Assert.Contains("outside the vocabulary", error.Message);
        error = await Assert.ThrowsAsync<RequestValidationException>(() => fixture.Dynamo.CompleteAsync(new GenerateRequest { MaxTokens = 2 }));
        Assert.Contains("exactly one of", error.Message);
    }

    private async Task<(int Prefill, int Decode)> WorkerBlocks()
    {
        var silos = fixture.Cluster.Silos;
        var grains = fixture.Cluster.Client;
        var prefill = silos.Single(s => s.Name == "Silo_1");
        var decode = silos.Single(s => s.Name == "Silo_2");
        var p = await grains.GetGrain<IPrefillWorkerGrain>(WorkerKeys.For(prefill.SiloAddress, "cpu")).GetLoad();
        var d = await grains.GetGrain<IDecodeWorkerGrain>(WorkerKeys.For(decode.SiloAddress, "cpu")).GetLoad();
        return (p.UsedBlocks + p.ActiveLeases, d.UsedBlocks + d.PendingHandoffs);
    }

    internal static async Task WaitFor(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for: {what}");
            await Task.Delay(20);
        }
    }
}
