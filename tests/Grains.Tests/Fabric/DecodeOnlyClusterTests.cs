using Dynamo.Orleans.Client;
using Dynamo.Orleans.Grains.Hosting;
using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Workers;
using Orleans.TestingHost;

namespace Dynamo.Orleans.Grains.Tests.Fabric;

/// <summary>
/// A cluster with no prefill pool: a front-end silo (Silo_0) and two decode silos. Prompts prefill locally on the decode
/// worker (the documented fallback), and when the decode worker's silo dies mid-stream the sequence grain resumes on
/// the other decode silo from the tokens already delivered.
/// </summary>
public sealed class DecodeOnlyClusterTests : IAsyncLifetime
{
    private readonly string _modelDirectory = Path.Combine(Path.GetTempPath(), "dynamo-decode-only-" + Guid.NewGuid().ToString("N"));
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        SyntheticModelFolder.Write(_modelDirectory, SyntheticModelOptions.Tiny with { Seed = 41 });
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) => silo.AddDynamoFabric(fabric =>
        {
            fabric.Roles = options.SiloName == "Silo_0" ? WorkerRole.None : WorkerRole.Decode;
            fabric.Engine = new EngineOptions { Model = _modelDirectory, DType = "float32", KvCacheBlocks = 128, Threads = 1 };
            fabric.DisaggregationThreshold = 1;
            fabric.HandoffTimeout = TimeSpan.FromSeconds(1);
        }));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    private async Task<int[]> EngineAlone(int[] prompt, int maxTokens)
    {
        using var runtime = ModelRuntime.Load(new EngineOptions { Model = _modelDirectory, DType = "float32", Threads = 1 });
        var (tokens, _) = await runtime.Engine.GenerateAsync(prompt, Kernels.Sampling.SamplingParams.Greedy(maxTokens) with { IgnoreEos = true });
        return tokens.Select(t => t.TokenId).ToArray();
    }

    [Fact]
    public async Task An_empty_prefill_pool_falls_back_to_local_prefill()
    {
        var prompt = Enumerable.Range(0, 40).Select(i => i * 17 % 50000).ToArray();
        var dynamo = _cluster.Client.Dynamo();
        var id = DynamoClient.NewRequestId();
        var tokens = new List<int>();
        await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = prompt, MaxTokens = 8, Temperature = 0, IgnoreEos = true }, id))
            tokens.AddRange(chunk.TokenIds);
        Assert.Equal(await EngineAlone(prompt, 8), tokens);
        var status = await dynamo.GetStatusAsync(id);
        Assert.False(status.Disaggregated);
        Assert.Null(status.PrefillWorker);
    }

    [Fact]
    public async Task When_the_decode_silo_dies_mid_stream_the_sequence_resumes_elsewhere_without_losing_or_repeating_a_token()
    {
        var prompt = Enumerable.Range(0, 12).Select(i => i * 31 % 50000).ToArray();
        var expected = await EngineAlone(prompt, 300); // long enough that the worker cannot have generated it all before the kill
        var dynamo = _cluster.Client.Dynamo();
        var id = DynamoClient.NewRequestId();
        var tokens = new List<int>();
        string? killed = null;
        await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = prompt, MaxTokens = 300, Temperature = 0, IgnoreEos = true }, id))
        {
            tokens.AddRange(chunk.TokenIds);
            if (tokens.Count == 10 && killed is null)
            {
                var status = await dynamo.GetStatusAsync(id);
                Assert.True(WorkerKeys.TryParse(status.DecodeWorker!, out var silo, out _));
                var victim = _cluster.Silos.Single(s => s.SiloAddress.Equals(silo));
                Assert.NotEqual("Silo_0", victim.Name); // the owner lives on the front-end silo
                killed = victim.Name;
                await _cluster.KillSiloAsync(victim);
            }
        }
        Assert.NotNull(killed);
        Assert.Equal(expected, tokens);
        var final = await dynamo.GetStatusAsync(id);
        Assert.Equal(1, final.Reroutes);
        Assert.Equal(SequenceState.Finished, final.State);
    }

    [Fact]
    public async Task A_prepared_handoff_nobody_decodes_gives_its_blocks_back()
    {
        var decodeSilo = _cluster.Silos.First(s => s.Name != "Silo_0");
        var worker = _cluster.Client.GetGrain<IDecodeWorkerGrain>(WorkerKeys.For(decodeSilo.SiloAddress, "cpu"));
        var baseline = await worker.GetLoad();
        await worker.PrepareHandoff(new HandoffRequest("orphan", 1, 100));
        var prepared = await worker.GetLoad();
        Assert.Equal(baseline.PendingHandoffs + 1, prepared.PendingHandoffs);
        Assert.True(prepared.UsedBlocks > baseline.UsedBlocks);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await worker.GetLoad()) is { } now && (now.PendingHandoffs != baseline.PendingHandoffs || now.UsedBlocks != baseline.UsedBlocks))
        {
            Assert.True(DateTime.UtcNow < deadline, "the orphaned handoff was never abandoned");
            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        try { Directory.Delete(_modelDirectory, recursive: true); } catch (IOException) { }
    }
}
