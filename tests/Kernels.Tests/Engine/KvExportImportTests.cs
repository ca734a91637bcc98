using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Transfer;
using static Dynamo.Orleans.Kernels.Tests.Engine.EngineFixture;
using static Dynamo.Orleans.Kernels.Tests.Engine.KvHandoff;

namespace Dynamo.Orleans.Kernels.Tests.Engine;

/// <summary>The basis of disaggregation: prefill on one engine, hand the KV over, decode on another.</summary>
public sealed class KvExportImportTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(13)]
    public async Task Greedy_output_after_export_and_import_equals_the_uninterrupted_engine(int promptLength)
    {
        var prompt = Prompt(promptLength, 11);
        using var single = Create();
        var expected = await Greedy(single, prompt, 12);

        using var prefill = Create();
        using var decode = Create();
        int layers = prefill.Model.Config.NumHiddenLayers;
        using var prefilled = await PrefillAsync(prefill, prompt, SamplingParams.Greedy(12), seed: 3, layerGroupSize: layers);
        var pages = Assert.Single(prefilled.Groups); // all layers in one group
        Assert.Equal((0, layers), (pages.Descriptor.LayerStart, pages.Descriptor.LayerCount));
        Assert.Equal(promptLength, pages.Descriptor.TokenCount);
        // Handed off, the sequence is gone from the prefill engine, but its blocks stay pinned for the consumer.
        Assert.Equal((promptLength + 3) / 4, (await SettledStats(prefill)).UsedBlocks);

        var continued = await ImportAsync(decode, prompt.Length, prefilled.Groups,
                                          new SequenceContinuation([.. prompt, prefilled.First], prompt.Length, prefilled.Parameters));
        prefilled.Dispose(); // the consumer has its copy: the lease ends
        Assert.Equal(0, (await SettledStats(prefill)).UsedBlocks);
        var rest = await ReadAllAsync(continued);
        Assert.Equal(expected, rest.Prepend(prefilled.First).ToArray());
        Assert.Equal(0, (await SettledStats(decode)).UsedBlocks);
    }

    [Fact]
    public async Task Layer_groups_travel_separately_through_bytes_and_seeded_sampling_continues_identically()
    {
        var prompt = Prompt(10, 12);
        var p = new SamplingParams { Temperature = 0.9, TopK = 40, Seed = 7, MaxTokens = 10 };
        using var single = Create();
        var expected = (await single.GenerateAsync(prompt, p)).Tokens.Select(t => t.TokenId).ToArray();

        using var prefill = Create();
        using var decode = Create();
        var reservation = await decode.ReserveImportAsync(prompt.Length); // the decode side reserves before prefill starts
        using var prefilled = await PrefillAsync(prefill, prompt, p, seed: 7, layerGroupSize: 1);
        Assert.Equal(2, prefilled.Groups.Count);
        foreach (var group in prefilled.Groups.Reverse()) // groups may arrive in any order
        {
            using var wire = OnTheWire(group); // as a byte transport would
            await decode.WriteImportAsync(reservation, wire);
        }
        var continued = await decode.CommitImportAsync(reservation, new SequenceContinuation([.. prompt, prefilled.First], prompt.Length, prefilled.Parameters));
        var rest = await ReadAllAsync(continued);
        Assert.Equal(expected, rest.Prepend(prefilled.First).ToArray());
    }

    [Fact]
    public async Task Blocks_exported_per_layer_group_during_prefill_continue_identically_and_are_freed_when_released()
    {
        var prompt = Prompt(19, 13);
        using var single = Create();
        var expected = await Greedy(single, prompt, 9);

        using var prefill = Create();
        using var decode = Create();
        var groups = new System.Collections.Concurrent.ConcurrentQueue<KvBlockExport>();
        var handle = prefill.Submit(prompt, SamplingParams.Greedy(9) with { Seed = 5 }, new KvExportPlan(1, groups.Enqueue));
        var first = await handle.Tokens.ReadAsync();
        Assert.Null(await handle.Completion); // handed off
        Assert.Equal([0, 1], groups.Select(g => g.Descriptor.LayerStart));
        Assert.Equal(5, (await SettledStats(prefill)).UsedBlocks); // 19 tokens: five blocks of 4, pinned by both groups

        var reservation = await decode.ReserveImportAsync(prompt.Length);
        foreach (var g in groups)
        {
            KvBlockCopy.Import(decode.ImportTarget(reservation), g.Descriptor, g.Pool, g.Blocks);
            g.Release();
            g.Release(); // once only
        }
        Assert.Equal(0, (await SettledStats(prefill)).UsedBlocks);
        var continued = await decode.CommitImportAsync(reservation, new SequenceContinuation([.. prompt, first.TokenId], prompt.Length, SamplingParams.Greedy(9) with { Seed = 5 }));
        var rest = new List<int>();
        await foreach (var t in continued.ReadAllAsync()) rest.Add(t.TokenId);
        Assert.Equal(expected, rest.Prepend(first.TokenId).ToArray());
    }

    [Fact]
    public async Task A_continuation_recomputed_elsewhere_goes_on_as_if_uninterrupted()
    {
        var prompt = Prompt(9, 14);
        var p = new SamplingParams { Temperature = 0.8, Seed = 99, MaxTokens = 12 };
        using var single = Create();
        var expected = (await single.GenerateAsync(prompt, p)).Tokens.Select(t => t.TokenId).ToArray();

        using var other = Create();
        var delivered = expected[..5]; // a worker died after five tokens reached the client
        var handle = other.Submit(new SequenceContinuation([.. prompt, .. delivered], prompt.Length, p));
        var rest = new List<int>();
        await foreach (var t in handle.ReadAllAsync()) rest.Add(t.TokenId);
        Assert.Equal(expected, delivered.Concat(rest).ToArray());
    }

    [Fact]
    public async Task Importing_into_a_pool_without_room_is_a_clear_error_and_leaks_nothing()
    {
        var prompt = Prompt(13, 2);
        using var decode = Create(blocks: 3);
        var error = await Assert.ThrowsAsync<KvCacheFullException>(() => decode.ReserveImportAsync(prompt.Length));
        Assert.Contains("needs 4 blocks", error.Message);
        Assert.Equal(0, (await SettledStats(decode)).UsedBlocks);
    }

    [Fact]
    public async Task Pages_from_an_incompatible_engine_are_refused()
    {
        var prompt = Prompt(8, 2);
        using var prefill = Create(blockSize: 4);
        using var decode = Create(blockSize: 8);
        using var prefilled = await PrefillAsync(prefill, prompt, SamplingParams.Greedy(4), seed: 1, layerGroupSize: 2);
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            ImportAsync(decode, prompt.Length, prefilled.Groups,
                        new SequenceContinuation([.. prompt, prefilled.First], prompt.Length, prefilled.Parameters)));
        Assert.Contains("block size 4", error.Message);
        Assert.Equal(0, (await SettledStats(decode)).UsedBlocks);
    }

    [Fact]
    public async Task A_cancelled_reservation_frees_its_blocks_and_cannot_be_written_or_committed()
    {
        var prompt = Prompt(13, 3);
        using var prefill = Create();
        using var decode = Create();
        var reservation = await decode.ReserveImportAsync(prompt.Length);
        Assert.Equal(4, (await SettledStats(decode)).UsedBlocks);
        using var prefilled = await PrefillAsync(prefill, prompt, SamplingParams.Greedy(4), seed: 1, layerGroupSize: 2);
        KvBlockCopy.Import(decode.ImportTarget(reservation), prefilled.Groups[0].Descriptor, prefilled.Groups[0].Pool, prefilled.Groups[0].Blocks);

        await decode.CancelImportAsync(reservation);
        await decode.CancelImportAsync(reservation); // safe to repeat
        Assert.Equal(0, (await SettledStats(decode)).UsedBlocks);
        var write = Assert.Throws<InvalidOperationException>(() =>
            KvBlockCopy.Import(decode.ImportTarget(reservation), prefilled.Groups[0].Descriptor, prefilled.Groups[0].Pool, prefilled.Groups[0].Blocks));
        Assert.Contains("committed or cancelled", write.Message);
        var commit = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            decode.CommitImportAsync(reservation, new SequenceContinuation([.. prompt, prefilled.First], prompt.Length, prefilled.Parameters)));
        Assert.Contains("committed or cancelled", commit.Message);
    }

    [Fact]
    public async Task A_commit_the_reservation_cannot_continue_is_refused_and_frees_its_blocks()
    {
        var prompt = Prompt(13, 4);
        using var prefill = Create();
        using var decode = Create();
        using var prefilled = await PrefillAsync(prefill, prompt, SamplingParams.Greedy(4), seed: 1, layerGroupSize: 2);
        // The continuation lacks the first token: the imported KV already covers every token it has.
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            ImportAsync(decode, prompt.Length, prefilled.Groups, new SequenceContinuation(prompt, prompt.Length, prefilled.Parameters)));
        Assert.Contains("must have more tokens", error.Message);
        Assert.Equal(0, (await SettledStats(decode)).UsedBlocks);
    }

    [Fact]
    public async Task Cancelling_a_reservation_while_a_write_is_in_flight_frees_its_blocks_only_when_the_write_ends()
    {
        using var decode = Create();
        var reservation = await decode.ReserveImportAsync(20);
        Assert.True(reservation.TryBeginWrite()); // a transport is writing into the blocks

        await decode.CancelImportAsync(reservation);

        Assert.Equal(5, (await SettledStats(decode)).UsedBlocks); // not yet: bytes may still land in them
        Assert.False(reservation.TryBeginWrite());
        reservation.EndWrite();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await SettledStats(decode)).UsedBlocks != 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.Equal(0, (await SettledStats(decode)).UsedBlocks);
    }

    [Fact]
    public async Task An_engine_pool_is_registered_shared_memory_unless_asked_otherwise()
    {
        using var registered = Create();
        Assert.Equal(Dynamo.Orleans.Kernels.Caching.KvPoolKind.SharedMemory, registered.Pool.Kind);
        Assert.Null(registered.PoolFallback);
        Assert.True(File.Exists(registered.Pool.SharedMemoryPath));
        using var asked = Create(configure: o => o.KvPool.Registered = false);
        Assert.Equal(Dynamo.Orleans.Kernels.Caching.KvPoolKind.Private, asked.Pool.Kind);
        using var noRoom = Create(configure: o => o.KvPool.SharedMemoryDirectory = "/nonexistent-shm");
        Assert.Equal(Dynamo.Orleans.Kernels.Caching.KvPoolKind.Private, noRoom.Pool.Kind);
        Assert.Contains("/nonexistent-shm", noRoom.PoolFallback);
        var path = registered.Pool.SharedMemoryPath!;
        registered.Dispose();
        Assert.False(File.Exists(path), "stopping the engine unlinks its pool file");
    }
}
