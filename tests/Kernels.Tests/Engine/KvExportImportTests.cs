using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Transfer;
using static Dynamo.Orleans.Kernels.Tests.Engine.EngineFixture;

namespace Dynamo.Orleans.Kernels.Tests.Engine;

/// <summary>The basis of disaggregation: prefill on one engine, hand the KV over, decode on another.</summary>
public sealed class KvExportImportTests
{
    private static async Task<(SequenceHandle Handle, int First)> Prefill(LlmEngine engine, int[] prompt, SamplingParams p)
    {
        var handle = engine.Submit(prompt, p, holdKv: true);
        var first = await handle.Tokens.ReadAsync();
        Assert.Null(await handle.Completion); // held, not finished
        return (handle, first.TokenId);
    }

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
        var (handle, first) = await Prefill(prefill, prompt, SamplingParams.Greedy(12));
        using var pages = await prefill.ExportAsync(handle.Id);
        Assert.Equal(promptLength, pages.Descriptor.TokenCount);
        await prefill.ReleaseAsync(handle.Id);
        Assert.Equal(0, (await SettledStats(prefill)).UsedBlocks);

        var continued = await decode.ImportAsync(pages, new SequenceContinuation([.. prompt, first], prompt.Length, SamplingParams.Greedy(12), handle.Seed));
        var rest = new List<int>();
        await foreach (var t in continued.ReadAllAsync()) rest.Add(t.TokenId);
        Assert.Equal(expected, rest.Prepend(first).ToArray());
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
        var (handle, first) = await Prefill(prefill, prompt, p);
        var reservation = await decode.ReserveImportAsync(prompt.Length);
        for (int layer = 0; layer < 2; layer++)
        {
            using var group = await prefill.ExportAsync(handle.Id, layer, 1);
            using var wire = KvPages.FromBytes(group.Descriptor, group.Bytes.ToArray()); // as a byte transport would
            await decode.WriteImportAsync(reservation, wire);
        }
        await prefill.ReleaseAsync(handle.Id);
        var continued = await decode.CommitImportAsync(reservation, new SequenceContinuation([.. prompt, first], prompt.Length, p, handle.Seed));
        var rest = new List<int>();
        await foreach (var t in continued.ReadAllAsync()) rest.Add(t.TokenId);
        Assert.Equal(expected, rest.Prepend(first).ToArray());
    }

    [Fact]
    public async Task Pages_streamed_per_layer_group_during_prefill_continue_identically_and_free_the_prefill_blocks()
    {
        var prompt = Prompt(19, 13);
        using var single = Create();
        var expected = await Greedy(single, prompt, 9);

        using var prefill = Create();
        using var decode = Create();
        var groups = new System.Collections.Concurrent.ConcurrentQueue<KvPages>();
        var handle = prefill.Submit(prompt, SamplingParams.Greedy(9), seed: 5, new KvExportPlan(1, groups.Enqueue));
        var first = await handle.Tokens.ReadAsync();
        Assert.Null(await handle.Completion); // handed off
        Assert.Equal([0, 1], groups.Select(g => g.Descriptor.LayerStart));
        Assert.Equal(0, (await SettledStats(prefill)).UsedBlocks);

        var reservation = await decode.ReserveImportAsync(prompt.Length);
        foreach (var g in groups) { await decode.WriteImportAsync(reservation, g); g.Dispose(); }
        var continued = await decode.CommitImportAsync(reservation, new SequenceContinuation([.. prompt, first.TokenId], prompt.Length, SamplingParams.Greedy(9), 5));
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
        var handle = other.Submit(new SequenceContinuation([.. prompt, .. delivered], prompt.Length, p, 99));
        var rest = new List<int>();
        await foreach (var t in handle.ReadAllAsync()) rest.Add(t.TokenId);
        Assert.Equal(expected, delivered.Concat(rest).ToArray());
    }

    [Fact]
    public async Task Importing_into_a_pool_without_room_is_a_clear_error_and_leaks_nothing()
    {
        var prompt = Prompt(13, 2);
        using var prefill = Create();
        using var decode = Create(blocks: 3);
        var (handle, first) = await Prefill(prefill, prompt, SamplingParams.Greedy(4));
        using var pages = await prefill.ExportAsync(handle.Id);
        var error = await Assert.ThrowsAsync<KvCacheFullException>(() =>
            decode.ImportAsync(pages, new SequenceContinuation([.. prompt, first], prompt.Length, SamplingParams.Greedy(4), handle.Seed)));
        Assert.Contains("needs 4 blocks", error.Message);
        Assert.Equal(0, (await SettledStats(decode)).UsedBlocks);
    }

    [Fact]
    public async Task Pages_from_an_incompatible_engine_are_refused()
    {
        var prompt = Prompt(8, 2);
        using var prefill = Create(blockSize: 4);
        using var decode = Create(blockSize: 8);
        var (handle, first) = await Prefill(prefill, prompt, SamplingParams.Greedy(4));
        using var pages = await prefill.ExportAsync(handle.Id);
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            decode.ImportAsync(pages, new SequenceContinuation([.. prompt, first], prompt.Length, SamplingParams.Greedy(4), handle.Seed)));
        Assert.Contains("block size 4", error.Message);
        Assert.Equal(0, (await SettledStats(decode)).UsedBlocks);
    }

    [Fact]
    public async Task Exporting_an_unknown_sequence_names_it()
    {
        using var engine = Create();
        var error = await Assert.ThrowsAsync<KeyNotFoundException>(() => engine.ExportAsync(12345));
        Assert.Contains("12345", error.Message);
    }
}
