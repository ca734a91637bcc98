using Dynamo.Orleans.Grains.Routing;
using Dynamo.Orleans.Grains.Workers;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Tests.Routing;

public sealed class KvIndexTests
{
    private const int BlockSize = 4;
    private static readonly int[] Prompt = Enumerable.Range(0, 33).Select(i => i * 13 % 97).ToArray();

    private static KvCacheEvent Stored(ulong parent, ulong hash) => new(KvCacheEventKind.Stored, hash, parent, BlockSize);
    private static KvCacheEvent Removed(ulong hash) => new(KvCacheEventKind.Removed, hash, 0, 0);

    /// <summary>The first <paramref name="blocks"/> blocks of <paramref name="tokens"/> as an engine announces them.</summary>
    private static KvCacheEvent[] Blocks(IReadOnlyList<int> tokens, int blocks)
    {
        var chain = BlockHash.Chain(tokens, blocks * BlockSize, BlockSize);
        return chain.Select((h, i) => Stored(i == 0 ? BlockHash.Root : chain[i - 1], h)).ToArray();
    }

    private static KvCacheDump Empty(int totalBlocks = 1000) => new(0, BlockSize, totalBlocks, []);

    [Fact]
    public void Stored_blocks_match_a_prompt_block_by_block_and_removed_ones_cut_the_overlap()
    {
        var index = new KvIndex();
        index.Load("a", Empty());
        index.Load("b", Empty());
        Assert.True(index.Apply("a", new KvCacheEventBatch(1, Blocks(Prompt, 6))));
        Assert.True(index.Apply("b", new KvCacheEventBatch(1, Blocks(Prompt, 2))));
        var overlaps = index.Match(Prompt, BlockSize);
        Assert.Equal(6, overlaps["a"]);
        Assert.Equal(2, overlaps["b"]);
        Assert.Equal(8, index.BlockCount);

        // Removing a middle block breaks the chain there: the blocks after it cannot be used without it.
        var chain = BlockHash.Chain(Prompt, 24, BlockSize);
        Assert.True(index.Apply("a", new KvCacheEventBatch(2, [Removed(chain[3])])));
        Assert.Equal(3, index.Match(Prompt, BlockSize)["a"]);
        Assert.Equal(7, index.BlockCount);
    }

    [Fact]
    public void A_prompt_never_matches_the_block_holding_its_last_token()
    {
        var index = new KvIndex();
        index.Load("a", Empty());
        var exact = Prompt.Take(32).ToArray(); // eight full blocks
        index.Apply("a", new KvCacheEventBatch(1, Blocks(exact, 8)));
        // The engine always computes the last token to get logits, so only seven blocks are reusable.
        Assert.Equal(7, index.Match(exact, BlockSize)["a"]);
        Assert.Equal(8, index.Match(Prompt, BlockSize)["a"]); // one token more: all eight
    }

    [Fact]
    public void A_different_prompt_or_block_size_does_not_match()
    {
        var index = new KvIndex();
        index.Load("a", Empty());
        index.Apply("a", new KvCacheEventBatch(1, Blocks(Prompt, 6)));
        var other = Prompt.Select((t, i) => i == 0 ? t + 1 : t).ToArray(); // first token differs: every chained hash differs
        Assert.Empty(index.Match(other, BlockSize));
        Assert.Empty(index.Match(Prompt, 8));
    }

    [Fact]
    public void A_batch_out_of_order_is_refused_and_changes_nothing()
    {
        var index = new KvIndex();
        index.Load("a", new KvCacheDump(41, BlockSize, 1000, Blocks(Prompt, 2)));
        Assert.False(index.Apply("a", new KvCacheEventBatch(43, Blocks(Prompt, 6)))); // 42 was lost: a gap
        Assert.Equal(2, index.Match(Prompt, BlockSize)["a"]);
        Assert.False(index.Apply("unknown", new KvCacheEventBatch(1, Blocks(Prompt, 1))));
        Assert.True(index.Apply("a", new KvCacheEventBatch(42, Blocks(Prompt, 6))));
        Assert.Equal(6, index.Match(Prompt, BlockSize)["a"]);
        Assert.Equal(42, index.LastEventId("a"));
    }

    [Fact]
    public void A_dump_replaces_what_was_known_and_a_removed_worker_leaves_nothing_behind()
    {
        var index = new KvIndex();
        index.Load("a", Empty());
        index.Load("b", Empty());
        index.Apply("a", new KvCacheEventBatch(1, Blocks(Prompt, 6)));
        index.Apply("b", new KvCacheEventBatch(1, Blocks(Prompt, 6)));
        index.Load("a", new KvCacheDump(9, BlockSize, 1000, Blocks(Prompt, 1)));
        Assert.Equal(1, index.Match(Prompt, BlockSize)["a"]);
        Assert.Equal(6, index.Match(Prompt, BlockSize)["b"]);
        index.Remove("b");
        Assert.Equal(["a"], index.Match(Prompt, BlockSize).Keys);
        Assert.Equal(1, index.BlockCount);
        Assert.Equal(["a"], index.Workers);
        index.Remove("a");
        Assert.Equal(0, index.BlockCount);
        Assert.Empty(index.Match(Prompt, BlockSize));
        Assert.Null(index.LastEventId("a"));
    }

    [Fact]
    public void A_worker_is_never_credited_with_more_blocks_than_its_pool_has()
    {
        var index = new KvIndex();
        index.Load("a", new KvCacheDump(0, BlockSize, TotalBlocks: 3, []));
        index.Apply("a", new KvCacheEventBatch(1, Blocks(Prompt, 8)));
        Assert.Equal(3, index.BlockCount);
        Assert.Equal(3, index.Match(Prompt, BlockSize)["a"]);
    }

    [Fact]
    public async Task An_engines_own_events_and_dump_match_its_prompts_and_what_it_actually_reuses()
    {
        var model = Path.Combine(Path.GetTempPath(), "dynamo-kv-index-" + Guid.NewGuid().ToString("N"));
        SyntheticModelFolder.Write(model, SyntheticModelOptions.Tiny with { Seed = 3 });
        try
        {
            using var runtime = ModelRuntime.Load(new EngineOptions { Model = model, DType = "float32", Threads = 1, BlockSize = BlockSize, KvCacheBlocks = 64 });
            var engine = runtime.Engine;
            var index = new KvIndex();
            var dump = await engine.SnapshotCacheAsync();
            index.Load("w", new KvCacheDump(dump.LastEventId, dump.BlockSize, dump.TotalBlocks, dump.Blocks.ToWire()));

            var prompt = Prompt.Select(t => t + 1).ToArray();
            await engine.GenerateAsync(prompt, Kernels.Sampling.SamplingParams.Greedy(3));
            foreach (var batch in engine.CacheEvents.ReadAfter(dump.LastEventId, 1000).Batches)
                Assert.True(index.Apply("w", new KvCacheEventBatch(batch.Id, batch.Events.ToWire())));
            int overlap = index.Match(prompt, BlockSize)["w"];

            // The engine, given the same prompt again, reuses exactly as many tokens as the index promised.
            var again = engine.Submit(prompt, Kernels.Sampling.SamplingParams.Greedy(1));
            await again.Completion;
            Assert.Equal(overlap * BlockSize, again.CachedPromptTokens);
            Assert.Equal((prompt.Length - 1) / BlockSize, overlap);

            // A router that starts now loads the same picture from a dump.
            var late = new KvIndex();
            var now = await engine.SnapshotCacheAsync();
            late.Load("w", new KvCacheDump(now.LastEventId, now.BlockSize, now.TotalBlocks, now.Blocks.ToWire()));
            Assert.Equal(overlap, late.Match(prompt, BlockSize)["w"]);
        }
        finally
        {
            try { Directory.Delete(model, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void The_kv_cost_prefers_the_cached_worker_until_its_load_outweighs_the_overlap()
    {
        // Ten-block prompt; worker a holds eight of them.
        double cached = KvRoutingCost.Of(1.0, pendingPrefillBlocks: 0, promptBlocks: 10, overlapBlocks: 8, activeBlocks: 5);
        double cold = KvRoutingCost.Of(1.0, pendingPrefillBlocks: 0, promptBlocks: 10, overlapBlocks: 0, activeBlocks: 0);
        Assert.True(cached < cold);
        double busy = KvRoutingCost.Of(1.0, pendingPrefillBlocks: 40, promptBlocks: 10, overlapBlocks: 8, activeBlocks: 5);
        Assert.True(busy > cold);
        // Weight 0: the cache counts for nothing, only blocks in use.
        Assert.True(KvRoutingCost.Of(0, 0, 10, 8, 5) > KvRoutingCost.Of(0, 0, 10, 0, 0));
    }
}
