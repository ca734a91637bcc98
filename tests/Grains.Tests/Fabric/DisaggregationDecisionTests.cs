using Dynamo.Orleans.Client;
using Dynamo.Orleans.Grains.Hosting;
using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Workers;
using Orleans.TestingHost;

namespace Dynamo.Orleans.Grains.Tests.Fabric;

/// <summary>
/// Where a prompt is prefilled: on the prefill pool only when the decode worker lacks enough of it and the pool is not
/// busy. A front silo, one prefill silo and one decode silo; each test starts the cluster with the options it needs.
/// </summary>
public sealed class DisaggregationDecisionTests : IAsyncLifetime
{
    private ServingCluster? _serving;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(Action<FabricOptions> configure) =>
        _serving = await ServingCluster.StartAsync(61,
            silo => silo switch { "Silo_0" => WorkerRole.None, "Silo_1" => WorkerRole.Prefill, _ => WorkerRole.Decode },
            fabric =>
            {
                fabric.HandoffTimeout = TimeSpan.FromSeconds(20);
                configure(fabric);
            });

    private Task<ServingCluster.Served> GenerateAsync(int[] prompt, int maxTokens) => _serving!.GenerateAsync(prompt, maxTokens);

    private Task<int[]> EngineAlone(int[] prompt, int maxTokens) => _serving!.EngineAlone(prompt, maxTokens);

    private static int[] Words(int count, int salt) => ServingCluster.Words(count, salt);

    [Fact]
    public async Task A_prompt_mostly_cached_on_the_decode_worker_prefills_there_and_a_new_one_goes_to_the_prefill_pool()
    {
        await StartAsync(f => f.DisaggregationThreshold = 48);
        var prompt = Words(100, 1);
        var first = await GenerateAsync(prompt, 6);
        Assert.Equal(PrefillDecision.Remote, first.Status.PrefillDecision); // 100 uncached tokens ≥ 48
        Assert.True(first.Status.Disaggregated);

        // The decode worker now holds the prompt's blocks (imported, then sealed): a follow-up adds 20 tokens.
        var followUp = prompt.Concat(first.Tokens).Concat(Words(20, 2)).ToArray();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        ServingCluster.Served second;
        while (true)
        {
            second = await GenerateAsync(followUp, 6);
            // The router learns of the decode worker's blocks from its events; the first follow-up may be early.
            if (second.Status.PrefillDecision == PrefillDecision.LocalBelowThreshold || DateTime.UtcNow > deadline) break;
            followUp = [.. followUp, 7];
        }
        Assert.Equal(PrefillDecision.LocalBelowThreshold, second.Status.PrefillDecision);
        Assert.False(second.Status.Disaggregated);
        Assert.True(second.Status.RoutedOverlapTokens >= 96, $"the router expected {second.Status.RoutedOverlapTokens} cached tokens");
        Assert.True(second.Status.CachedPromptTokens >= 96, $"the engine reused {second.Status.CachedPromptTokens} tokens");
        Assert.Equal(await EngineAlone(followUp, 6), second.Tokens);

        var fresh = await GenerateAsync(Words(100, 3), 6);
        Assert.Equal(PrefillDecision.Remote, fresh.Status.PrefillDecision);
    }

    [Fact]
    public async Task When_every_prefill_worker_is_over_its_queue_limit_the_decode_worker_prefills()
    {
        // Loads are not refetched during the test, so what the router sent the prefill worker stays its queue.
        await StartAsync(f =>
        {
            f.DisaggregationThreshold = 16;
            f.PrefillQueueLimit = 0;
            f.LoadRefreshInterval = TimeSpan.FromHours(1);
        });
        var first = await GenerateAsync(Words(64, 4), 4);
        Assert.Equal(PrefillDecision.Remote, first.Status.PrefillDecision);
        var prompt = Words(64, 5);
        var second = await GenerateAsync(prompt, 4);
        Assert.Equal(PrefillDecision.LocalPrefillPoolBusy, second.Status.PrefillDecision);
        Assert.False(second.Status.Disaggregated);
        Assert.Equal(await EngineAlone(prompt, 4), second.Tokens);
    }

    [Fact]
    public async Task Cancelling_a_request_stops_its_remote_prefill_and_frees_its_blocks_and_leases()
    {
        // Two prompt tokens per engine step: a 480-token prompt takes 240 steps to prefill, time enough to cancel mid-way.
        await StartAsync(f =>
        {
            f.DisaggregationThreshold = 16;
            f.Engine.MaxNumSeqs = 2;
            f.Engine.MaxBatchedTokens = 2;
        });
        var cluster = _serving!.Cluster;
        var prefill = cluster.Client.GetGrain<IPrefillWorkerGrain>(WorkerKeys.For(cluster.Silos.Single(s => s.Name == "Silo_1").SiloAddress, "cpu"));
        var decode = cluster.Client.GetGrain<IDecodeWorkerGrain>(WorkerKeys.For(cluster.Silos.Single(s => s.Name == "Silo_2").SiloAddress, "cpu"));
        int decodeBaseline = (await decode.GetLoad()).UsedBlocks;
        var prompt = Words(480, 9);
        var dynamo = cluster.Client.Dynamo();
        var id = DynamoClient.NewRequestId();
        using var cancel = new CancellationTokenSource();
        var run = Task.Run(async () =>
        {
            await foreach (var _ in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = prompt, MaxTokens = 4, Temperature = 0, IgnoreEos = true }, id, cancel.Token)) { }
        });

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await prefill.GetLoad()) is { Running: 0, Waiting: 0 })
        {
            Assert.True(DateTime.UtcNow < deadline, "the prefill worker never started the prompt");
            await Task.Delay(5);
        }
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        // The prefill stops at the engine's next step: it never computes the whole prompt, and holds nothing after.
        WorkerLoad load;
        while ((load = await prefill.GetLoad()) is not { Running: 0, Waiting: 0, PendingPrefillTokens: 0, ActiveLeases: 0 })
        {
            Assert.True(DateTime.UtcNow < deadline, $"the prefill worker still holds the cancelled sequence: {load}");
            await Task.Delay(20);
        }
        Assert.True(load.CachedBlocks < prompt.Length / ServingCluster.BlockSize - 1,
            $"the cancelled prefill ran to the end: {load.CachedBlocks} blocks of the prompt were computed");
        Assert.True(load.UsedBlocks == 0, $"the prefill worker still uses blocks: {load}");
        // The client's enumeration ends at once; the sequence grain abandons the prepared handoff right after.
        while ((load = await decode.GetLoad()) is not { PendingHandoffs: 0 } || load.UsedBlocks != decodeBaseline)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the decode worker still holds blocks reserved for the cancelled handoff: {load} (baseline {decodeBaseline} used)");
            await Task.Delay(20);
        }
        Assert.Equal(SequenceState.Cancelled, (await dynamo.GetStatusAsync(id)).State);
    }

    public async Task DisposeAsync()
    {
        if (_serving is not null) await _serving.DisposeAsync();
    }
}
