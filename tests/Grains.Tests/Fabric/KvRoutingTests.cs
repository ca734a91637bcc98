using Dynamo.Orleans.Client;
using Dynamo.Orleans.Grains.Hosting;
using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Grains.Routing;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Dynamo.Orleans.Grains.Tests.Fabric;

/// <summary>
/// Routing by KV cache on a real cluster: a front silo (Silo_0, where sequence grains and the router live) and two
/// aggregated decode silos. Each test starts its own cluster in the router mode it needs.
/// </summary>
public sealed class KvRoutingTests : IAsyncLifetime
{
    private const int BlockSize = ServingCluster.BlockSize;
    private ServingCluster? _serving;
    private InProcessTestCluster? _cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(RouterMode mode)
    {
        _serving = await ServingCluster.StartAsync(57, silo => silo == "Silo_0" ? WorkerRole.None : WorkerRole.Decode, fabric =>
        {
            fabric.RouterMode = mode;
            fabric.DisaggregationThreshold = 1; // every prompt would go to a prefill worker if there were one
        });
        _cluster = _serving.Cluster;
    }

    private KvIndex FrontIndex => _cluster!.GetSiloServiceProvider(_cluster.Silos.Single(s => s.Name == "Silo_0").SiloAddress).GetRequiredService<KvIndex>();

    private Task<ServingCluster.Served> GenerateAsync(int[] prompt, int maxTokens) => _serving!.GenerateAsync(prompt, maxTokens);

    private Task<int[]> EngineAlone(int[] prompt, int maxTokens) => _serving!.EngineAlone(prompt, maxTokens);

    private static int[] Words(int count, int salt) => ServingCluster.Words(count, salt);

    /// <summary>Waits until the front's index says <paramref name="worker"/> holds at least <paramref name="blocks"/> of the prompt.</summary>
    private async Task WaitIndexedAsync(int[] prompt, string worker, int blocks)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (FrontIndex.Match(prompt, BlockSize).GetValueOrDefault(worker) < blocks)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the front's KV index never learned that {worker} holds {blocks} blocks of the prompt (it follows {string.Join(", ", FrontIndex.Workers)}; {FrontIndex.BlockCount} blocks; match {FrontIndex.Match(prompt, BlockSize).GetValueOrDefault(worker)})");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Each_conversations_turns_go_to_the_worker_holding_its_prefix_and_report_cached_tokens()
    {
        await StartAsync(RouterMode.Kv);
        // Two conversations whose turns are sent side by side: routing blind to the cache would split each of them
        // between the workers about half the time; the kv router must keep each on the worker holding its context.
        var contexts = new[] { Words(70, 1).ToList(), Words(70, 2).ToList() };
        var workers = new string?[2];
        for (int turn = 0; turn < 4; turn++)
        {
            var prompts = contexts.Select(c => c.ToArray()).ToArray();
            var served = await Task.WhenAll(prompts.Select(p => GenerateAsync(p, 12)));
            for (int c = 0; c < 2; c++)
            {
                var status = served[c].Status;
                Assert.Equal(PrefillDecision.LocalNoPrefillWorker, status.PrefillDecision);
                Assert.Equal(RouterMode.Kv, status.RouterMode);
                if (turn == 0) workers[c] = status.DecodeWorker;
                else
                {
                    Assert.Equal(workers[c], status.DecodeWorker);
                    // The whole earlier context (all but its last partial block) came from the cache, and usage says so.
                    int previous = contexts[c].Count;
                    Assert.True(status.CachedPromptTokens >= previous / BlockSize * BlockSize - BlockSize,
                        $"turn {turn}: {status.CachedPromptTokens} cached tokens of a context that was {previous} tokens");
                    Assert.True(status.RoutedOverlapTokens > 0);
                }
                Assert.Equal(status.CachedPromptTokens, served[c].Usage.CachedPromptTokens);
                contexts[c].AddRange(served[c].Tokens);
                contexts[c].AddRange(Words(20, 10 * turn + c + 3));
                await WaitIndexedAsync(prompts[c], workers[c]!, prompts[c].Length / BlockSize - 1);
            }
            if (turn == 0) Assert.NotEqual(workers[0], workers[1]); // two idle workers share the first turns
        }
    }

    [Fact]
    public async Task Round_robin_alternates_between_the_workers()
    {
        await StartAsync(RouterMode.RoundRobin);
        var prompt = Words(40, 7);
        var chosen = new List<string>();
        for (int i = 0; i < 4; i++) chosen.Add((await GenerateAsync(prompt, 2)).Status.DecodeWorker!);
        Assert.Equal(2, chosen.Distinct().Count());
        for (int i = 1; i < chosen.Count; i++) Assert.NotEqual(chosen[i - 1], chosen[i]);
    }

    [Fact]
    public async Task A_stale_index_costs_a_cache_miss_never_a_wrong_answer()
    {
        await StartAsync(RouterMode.Kv);
        var prompt = Words(90, 4);
        var expected = await EngineAlone(prompt, 10);
        var first = await GenerateAsync(prompt, 10);
        Assert.Equal(expected, first.Tokens);
        var holder = first.Status.DecodeWorker!;
        var other = _cluster!.Silos.Where(s => s.Name != "Silo_0").Select(s => WorkerKeys.For(s.SiloAddress, "cpu")).Single(k => k != holder);
        await WaitIndexedAsync(prompt, holder, 4);

        // Events were lost: the index believes the other worker holds the whole prompt, which it never computed, and
        // that the holder evicted it (were both said to hold it, the choice would come down to a tie).
        var index = FrontIndex;
        index.Load(holder, new KvCacheDump(index.LastEventId(holder) ?? 0, BlockSize, 256, []));
        var chain = BlockHash.Chain(prompt, prompt.Length - 1, BlockSize);
        var lie = chain.Select((h, i) => new KvCacheEvent(KvCacheEventKind.Stored, h, i == 0 ? BlockHash.Root : chain[i - 1], BlockSize)).ToArray();
        index.Load(other, new KvCacheDump(index.LastEventId(other) ?? 0, BlockSize, 256, lie));

        var second = await GenerateAsync(prompt, 10);
        Assert.Equal(other, second.Status.DecodeWorker);         // the router trusted the index...
        Assert.Equal(chain.Count * BlockSize, second.Status.RoutedOverlapTokens);
        Assert.Equal(0, second.Status.CachedPromptTokens);       // ...the worker had nothing cached and computed it all...
        Assert.Equal(0, second.Usage.CachedPromptTokens);
        Assert.Equal(expected, second.Tokens);                   // ...and the answer is the same.
    }

    [Fact]
    public async Task When_the_worker_holding_the_prefix_dies_routing_moves_on_without_an_error()
    {
        await StartAsync(RouterMode.Kv);
        var prompt = Words(80, 9);
        var expected = await EngineAlone(prompt, 8);
        var first = await GenerateAsync(prompt, 8);
        var holder = first.Status.DecodeWorker!;
        await WaitIndexedAsync(prompt, holder, 4);
        Assert.True(WorkerKeys.TryParse(holder, out var silo, out _));
        await _cluster!.KillSiloAsync(_cluster.Silos.Single(s => s.SiloAddress.Equals(silo)));

        var after = await GenerateAsync(prompt, 8);
        Assert.Equal(expected, after.Tokens);
        Assert.NotEqual(holder, after.Status.DecodeWorker);
        Assert.Equal(SequenceState.Finished, after.Status.State);
        // Once membership says the silo is gone, its blocks leave the index.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (FrontIndex.Workers.Contains(holder))
        {
            Assert.True(DateTime.UtcNow < deadline, "the dead worker's blocks stayed in the index");
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        if (_serving is not null) await _serving.DisposeAsync();
    }
}
