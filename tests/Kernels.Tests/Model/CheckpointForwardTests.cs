using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Model;
using Dynamo.Orleans.Kernels.Tests.Checkpoints;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Tests.Model;

/// <summary>The same paged-vs-full equality, for models read from real Hugging Face folders of each architecture.</summary>
public sealed class CheckpointForwardTests
{
    [Theory]
    [InlineData(ModelArchitecture.Llama, false, false)]
    [InlineData(ModelArchitecture.Llama, true, true)]    // tied embeddings + llama3 rope scaling
    [InlineData(ModelArchitecture.Mistral, false, false)]
    [InlineData(ModelArchitecture.Qwen2, false, false)]  // q/k/v biases
    public void A_loaded_checkpoint_decodes_through_the_paged_cache_like_the_full_forward(ModelArchitecture architecture, bool tied, bool llama3Rope)
    {
        using var scratch = new ScratchDirectory();
        SyntheticModelFolder.Write(scratch.Path, SyntheticModelOptions.Tiny with
        {
            Architecture = architecture,
            TieWordEmbeddings = tied,
            Llama3RopeScaling = llama3Rope,
            Dtype = SafetensorsDtype.F32,
            Seed = 3,
        });
        using var scope = NewDisposeScope();
        using var checkpoint = Checkpoint.Open(scratch.Path);
        using var model = LlamaModelLoader.Load(checkpoint, ScalarType.Float32, CPU, 256);
        var c = checkpoint.Config;
        using var cache = new KvCache(c.NumHiddenLayers, 8, 16, c.NumKeyValueHeads, c.HeadDim, ScalarType.Float32, CPU);
        var tokens = Enumerable.Range(0, 21).Select(i => (i * 2311 + 17) % c.VocabSize).ToArray();
        int[] table = [5, 2];
        var reference = model.ForwardWithoutCache(tokens);
        PagedForwardTests.AssertClose(reference[15],
            model.Forward(ForwardBatch.Build([new SequenceSlice(tokens[..16], 0, table, true)], 16, model.GroupSize, CPU), cache)[0]);
        for (int p = 16; p < tokens.Length; p++)
            PagedForwardTests.AssertClose(reference[p],
                model.Forward(ForwardBatch.Build([new SequenceSlice([tokens[p]], p, table, true)], 16, model.GroupSize, CPU), cache)[0]);
    }

    [Fact]
    public void Bfloat16_compute_of_a_bfloat16_checkpoint_stays_close_to_float32()
    {
        using var scratch = new ScratchDirectory();
        SyntheticModelFolder.Write(scratch.Path, SyntheticModelOptions.Tiny with { Seed = 4 });
        using var scope = NewDisposeScope();
        using var checkpoint = Checkpoint.Open(scratch.Path);
        using var f32 = LlamaModelLoader.Load(checkpoint, ScalarType.Float32, CPU, 64);
        using var bf16 = LlamaModelLoader.Load(checkpoint, ScalarType.BFloat16, CPU, 64);
        int[] tokens = [1, 500, 7000, 42, 31337];
        var a = f32.ForwardWithoutCache(tokens);
        var b = bf16.ForwardWithoutCache(tokens);
        // bf16 keeps 8 bits of mantissa: logits of magnitude ~1 agree to a few hundredths.
        Assert.True((a - b).abs().max().item<float>() < 0.1f);
    }

    [Fact]
    public void Float16_compute_on_cpu_is_refused_clearly()
    {
        var config = RandomModels.Config("LlamaForCausalLM");
        var error = Assert.Throws<ArgumentException>(() => ComputeDType.Resolve("float16", config, CPU));
        Assert.Contains("not supported on CPU", error.Message);
        Assert.Equal(ScalarType.BFloat16, ComputeDType.Resolve("auto", config with { TorchDtype = "float16" }, CPU));
        Assert.Equal(ScalarType.Float32, ComputeDType.Resolve("auto", config with { TorchDtype = "float32" }, CPU));
    }
}
