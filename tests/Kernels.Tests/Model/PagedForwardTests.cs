using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Model;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Tests.Model;

/// <summary>
/// Incremental decoding through the paged cache must give the logits of one full forward without a cache.
/// Tolerance: float32 compute, max absolute difference 1e-4 on logits of magnitude ~1 (the two paths order their
/// reductions differently, so bit equality is not expected).
/// </summary>
public sealed class PagedForwardTests
{
    private const float Tolerance = 1e-4f;
    private const int BlockSize = 4;

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var arch in new[] { "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM" })
            foreach (var promptLength in new[] { 1, 3, 4, 5, 8, 11 }) // below, on and across block boundaries of 4
                data.Add(arch, promptLength);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Prefill_then_decode_matches_the_full_forward_at_batch_1(string architecture, int promptLength)
    {
        using var scope = NewDisposeScope();
        using var model = RandomModels.Create(RandomModels.Config(architecture));
        using var cache = new KvCache(2, 16, BlockSize, 2, 16, ScalarType.Float32, CPU);
        var tokens = Enumerable.Range(0, promptLength + 6).Select(i => (i * 37 + 11) % 256).ToArray();
        var blockTable = Enumerable.Range(3, 8).Reverse().ToArray(); // deliberately non-contiguous blocks
        var reference = model.ForwardWithoutCache(tokens);

        var prefill = ForwardBatch.Build([new SequenceSlice(tokens[..promptLength], 0, blockTable, true)], BlockSize, model.GroupSize, CPU);
        AssertClose(reference[promptLength - 1], model.Forward(prefill, cache)[0]);
        for (int p = promptLength; p < tokens.Length; p++)
        {
            var step = ForwardBatch.Build([new SequenceSlice([tokens[p]], p, blockTable, true)], BlockSize, model.GroupSize, CPU);
            AssertClose(reference[p], model.Forward(step, cache)[0]);
        }
    }

    [Fact]
    public void A_mixed_batch_of_decodes_and_prefill_chunks_matches_each_full_forward()
    {
        using var scope = NewDisposeScope();
        using var model = RandomModels.Create(RandomModels.Config("LlamaForCausalLM"));
        using var cache = new KvCache(2, 64, BlockSize, 2, 16, ScalarType.Float32, CPU);
        int[][] seqs =
        [
            Enumerable.Range(0, 9).Select(i => (i * 13 + 1) % 256).ToArray(),
            Enumerable.Range(0, 4).Select(i => (i * 7 + 5) % 256).ToArray(),
            Enumerable.Range(0, 14).Select(i => (i * 3 + 2) % 256).ToArray(),
        ];
        int[][] tables = [[0, 1, 2, 3], [10, 11], [20, 21, 22, 23]];
        var refs = seqs.Select(s => model.ForwardWithoutCache(s)).ToArray();

        // Step 1: seq 0 prefills 8 of 9 tokens, seq 1 prefills all 4, seq 2 prefills a first chunk of 5.
        var b1 = ForwardBatch.Build([
            new SequenceSlice(seqs[0][..8], 0, tables[0], false),
            new SequenceSlice(seqs[1], 0, tables[1], true),
            new SequenceSlice(seqs[2][..5], 0, tables[2], false)], BlockSize, model.GroupSize, CPU);
        var l1 = model.Forward(b1, cache);
        AssertClose(refs[1][3], l1[0]);

        // Step 2: seq 0 decodes its 9th token, seq 2 prefills the rest starting mid-block (a chunk after a cached prefix).
        var b2 = ForwardBatch.Build([
            new SequenceSlice(seqs[2][5..], 5, tables[2], true),
            new SequenceSlice([seqs[0][8]], 8, tables[0], true)], BlockSize, model.GroupSize, CPU);
        var l2 = model.Forward(b2, cache);
        Assert.Equal([0, 1], b2.LogitSlices.Order().ToArray());
        AssertClose(refs[2][13], l2[Array.IndexOf(b2.LogitSlices, 0)]);
        AssertClose(refs[0][8], l2[Array.IndexOf(b2.LogitSlices, 1)]);
    }

    [Fact]
    public void Llama3_rope_scaling_and_tied_embeddings_match_the_full_forward()
    {
        using var scope = NewDisposeScope();
        var config = RandomModels.Config("LlamaForCausalLM", tied: true, scaling: new Kernels.Checkpoints.RopeScaling("llama3", 8, 1, 4, 64));
        using var model = RandomModels.Create(config);
        using var cache = new KvCache(2, 16, BlockSize, 2, 16, ScalarType.Float32, CPU);
        var tokens = Enumerable.Range(0, 12).Select(i => (i * 29 + 3) % 256).ToArray();
        int[] table = [0, 1, 2];
        var reference = model.ForwardWithoutCache(tokens);
        model.Forward(ForwardBatch.Build([new SequenceSlice(tokens[..7], 0, table, false)], BlockSize, model.GroupSize, CPU), cache);
        var logits = model.Forward(ForwardBatch.Build([new SequenceSlice(tokens[7..], 7, table, true)], BlockSize, model.GroupSize, CPU), cache);
        AssertClose(reference[11], logits[0]);
    }

    internal static void AssertClose(Tensor expected, Tensor actual)
    {
        var diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff < Tolerance, $"max |logit difference| {diff} exceeds {Tolerance}");
    }
}
