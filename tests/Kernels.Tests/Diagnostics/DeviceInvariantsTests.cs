using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Diagnostics;
using Dynamo.Orleans.Kernels.Sampling;
using static Dynamo.Orleans.Kernels.Tests.Engine.EngineFixture;

namespace Dynamo.Orleans.Kernels.Tests.Diagnostics;

/// <summary>
/// The invariants <c>dynamo check invariants</c> runs on a CUDA host hold here on the CPU; a difference is reported as a
/// failure; the two-process handoff's offer survives its JSON line and continues a sequence in another engine.
/// </summary>
public sealed class DeviceInvariantsTests
{
    [Fact]
    public async Task Every_invariant_holds_on_the_cpu()
    {
        var results = await DeviceInvariants.RunAsync("cpu");
        Assert.Equal(DeviceInvariants.Names, results.Select(r => r.Name));
        Assert.All(results, r => Assert.True(r.Passed, r.ToString()));
    }

    [Fact]
    public void A_difference_fails_and_says_where_it_starts()
    {
        Assert.True(InvariantResult.SameIds("ids", [1, 2, 3], [1, 2, 3], "three tokens").Passed);
        var differ = InvariantResult.SameIds("ids", [1, 2, 3], [1, 2, 4], "three tokens");
        Assert.False(differ.Passed);
        Assert.StartsWith("FAIL ids: ids differ from position 2", differ.ToString());
        Assert.False(InvariantResult.SameIds("ids", [1, 2, 3], [1, 2], "a token short").Passed);

        Assert.True(InvariantResult.Within("logits", 3e-7, DeviceInvariants.LogitTolerance, "rows").Passed);
        Assert.False(InvariantResult.Within("logits", 2e-4, DeviceInvariants.LogitTolerance, "rows").Passed);
        Assert.False(InvariantResult.Within("logits", double.NaN, DeviceInvariants.LogitTolerance, "rows").Passed);
    }

    [Fact]
    public async Task An_offer_read_back_from_its_JSON_line_continues_the_sequence_in_another_engine_with_the_same_ids()
    {
        var prompt = Prompt(11, 3);
        using var alone = Create();
        var expected = await Greedy(alone, prompt, 9);

        using var producer = Create();
        using var consumer = Create();
        Assert.Equal(KvPoolKind.SharedMemory, producer.Pool.Kind);
        var prefilled = await PoolHandoff.PrefillAsync(producer, prompt, SamplingParams.Greedy(9) with { Seed = 11 }, layerGroupSize: 1);
        try
        {
            var offer = PoolHandoffOffer.From(prefilled, producer.Pool);
            var read = PoolHandoffOffer.Parse(offer.ToJson());
            Assert.Equal((offer.Kind, offer.SharedMemoryPath, offer.Layout, offer.FirstToken, offer.Parameters),
                         (read.Kind, read.SharedMemoryPath, read.Layout, read.FirstToken, read.Parameters));
            Assert.Equal(offer.Groups.Select(g => (g.Tokens, g.LayerStart, g.LayerCount, string.Join(",", g.Blocks))),
                         read.Groups.Select(g => (g.Tokens, g.LayerStart, g.LayerCount, string.Join(",", g.Blocks))));
            Assert.Equal(2, read.Groups.Count); // two layers, one per group

            var (ids, bytes) = await read.ContinueInAsync(consumer);
            Assert.Equal(expected, ids);
            Assert.Equal(2L * 2 * 3 * producer.Pool.Layout.BlockBytes, bytes); // 2 layers x K,V x 3 blocks of 4 for 11 tokens
        }
        finally
        {
            prefilled.Release();
        }
        Assert.Throws<InvalidDataException>(() => PoolHandoffOffer.Parse("{\"pool\":{}}"));
    }

    [Fact]
    public async Task Decode_throughput_counts_the_weights_and_the_KV_each_step_reads()
    {
        using var engine = Create();
        var measured = await DecodeThroughput.MeasureAsync(engine, Prompt(6, 1), 8);
        Assert.Equal(8, measured.Ids.Count);
        Assert.Equal(7, measured.DecodedTokens);
        Assert.Equal(engine.Model.StepWeightBytes, measured.WeightBytesPerToken);
        // 2 layers x K,V x 2 kv heads x 16 dims x 4 bytes per position, over 6 + 8 / 2 positions on average.
        Assert.Equal(10 * 2 * 2 * 2 * 16 * 4, measured.KvBytesPerToken);
        Assert.True(measured.TokensPerSecond > 0);
        Assert.Equal(100e9 / measured.BytesPerToken, measured.BoundTokensPerSecond(100), 6);
    }
}
