using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Tests.Engine;

namespace Dynamo.Orleans.Kernels.Tests.Caching;

/// <summary>What the prefix cache tells routers: stored and removed blocks, under the hashes the cache itself matches on.</summary>
public sealed class KvCacheEventTests
{
    private static readonly int[] Tokens = Enumerable.Range(0, 20).Select(i => i * 7 % 50).ToArray();

    [Fact]
    public void Sealed_blocks_are_stored_events_under_the_chained_hashes_of_their_tokens()
    {
        var pool = new BlockPool(8, 4) { RecordEvents = true };
        var table = new BlockTable();
        Assert.True(pool.TryGrow(table, Tokens.Length));
        pool.Seal(table, Tokens, 10); // two full blocks of four
        var events = pool.TakeEvents();
        var chain = BlockHash.Chain(Tokens, 10, 4);
        Assert.Equal(chain, events.Select(e => e.Hash));
        Assert.All(events, e => Assert.Equal(KvBlockEventKind.Stored, e.Kind));
        Assert.Equal([BlockHash.Root, chain[0]], events.Select(e => e.Parent));
        Assert.All(events, e => Assert.Equal(4, e.TokenCount));
        Assert.Empty(pool.TakeEvents()); // taken once

        pool.Seal(table, Tokens, 20);
        Assert.Equal(BlockHash.Chain(Tokens, 20, 4).Skip(2), pool.TakeEvents().Select(e => e.Hash));
    }

    [Fact]
    public void Reusing_a_cached_block_is_a_removed_event_and_the_snapshot_follows()
    {
        var pool = new BlockPool(2, 4) { RecordEvents = true };
        var table = new BlockTable();
        pool.TryGrow(table, 8);
        pool.Seal(table, Tokens, 8);
        var stored = pool.TakeEvents().Select(e => e.Hash).ToList();
        pool.Release(table); // free but still cached
        Assert.Equal(stored.Order(), pool.CachedBlockEvents().Select(e => e.Hash).Order());

        var other = new BlockTable();
        Assert.True(pool.TryGrow(other, 4)); // takes the least recently freed cached block: one prefix block is evicted
        var removed = Assert.Single(pool.TakeEvents());
        Assert.Equal(KvBlockEventKind.Removed, removed.Kind);
        Assert.Contains(removed.Hash, stored);
        Assert.Equal(stored.Where(h => h != removed.Hash), pool.CachedBlockEvents().Select(e => e.Hash));
    }

    [Fact]
    public void Nothing_is_recorded_unless_asked()
    {
        var pool = new BlockPool(4, 4);
        var table = new BlockTable();
        pool.TryGrow(table, 8);
        pool.Seal(table, Tokens, 8);
        Assert.Empty(pool.TakeEvents());
    }

    [Fact]
    public async Task The_log_answers_what_came_after_an_id_and_reports_a_gap_once_batches_are_gone()
    {
        var log = new KvEventLog(capacity: 3);
        Assert.Equal((0, false), (log.ReadAfter(0, 10).Batches.Count, log.ReadAfter(0, 10).Gap));
        var waiting = log.WaitAfterAsync(0, TimeSpan.FromSeconds(30));
        Assert.False(waiting.IsCompleted);
        log.Append([KvBlockEvent.Stored(BlockHash.Root, 1, 4)]);
        await waiting.WaitAsync(TimeSpan.FromSeconds(5)); // an append wakes a waiting reader at once
        for (ulong h = 2; h <= 5; h++) log.Append([KvBlockEvent.Stored(h - 1, h, 4)]);
        Assert.Equal(5, log.LastEventId);

        var (batches, gap) = log.ReadAfter(2, 10);
        Assert.False(gap);
        Assert.Equal([3L, 4L, 5L], batches.Select(b => b.Id));
        Assert.Equal([4L], log.ReadAfter(3, 1).Batches.Select(b => b.Id));
        Assert.True(log.ReadAfter(1, 10).Gap);  // batch 2 is no longer kept
        Assert.True(log.ReadAfter(9, 10).Gap);  // an id this log never gave out
        Assert.Empty(log.ReadAfter(5, 10).Batches);
        await log.WaitAfterAsync(5, TimeSpan.FromMilliseconds(20)); // nothing new: returns after the wait, no error
    }

    [Fact]
    public async Task An_engine_publishes_its_prompts_blocks_under_the_hashes_a_router_computes_and_its_snapshot_agrees()
    {
        using var engine = EngineFixture.Create(blockSize: 4, blocks: 64);
        var prompt = EngineFixture.Prompt(18, salt: 3);
        await EngineFixture.Greedy(engine, prompt, 3);
        var (batches, gap) = engine.CacheEvents.ReadAfter(0, 100);
        Assert.False(gap);
        Assert.Equal(Enumerable.Range(1, batches.Count).Select(i => (long)i), batches.Select(b => b.Id));
        var stored = batches.SelectMany(b => b.Events).Where(e => e.Kind == KvBlockEventKind.Stored).Select(e => e.Hash).ToList();
        // The router hashes a prompt the same way: every full block of the prompt is announced.
        Assert.Equal(BlockHash.Chain(prompt, prompt.Length, 4), stored.Take(prompt.Length / 4));

        var snapshot = await engine.SnapshotCacheAsync();
        Assert.Equal(engine.CacheEvents.LastEventId, snapshot.LastEventId);
        Assert.Equal(4, snapshot.BlockSize);
        Assert.Equal(stored.Order(), snapshot.Blocks.Select(b => b.Hash).Order());
    }
}
