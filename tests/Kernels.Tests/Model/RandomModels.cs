using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Model;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Tests.Model;

/// <summary>In-memory models with seeded random weights, for testing the forward without touching files.</summary>
internal static class RandomModels
{
    public static ModelConfig Config(string architecture, int vocab = 256, int layers = 2, bool tied = false, RopeScaling? scaling = null) => new()
    {
        Architecture = architecture,
        VocabSize = vocab,
        HiddenSize = 64,
        IntermediateSize = 128,
        NumHiddenLayers = layers,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 16,
        RmsNormEps = 1e-5,
        RopeTheta = architecture == "Qwen2ForCausalLM" ? 1_000_000 : 10_000,
        RopeScaling = scaling,
        MaxPositionEmbeddings = 2048,
        TieWordEmbeddings = tied,
        AttentionBias = architecture == "Qwen2ForCausalLM",
        TorchDtype = "float32",
    };

    public static LlamaModel Create(ModelConfig config, int seed = 1, ScalarType dtype = ScalarType.Float32)
    {
        var generator = new Generator((ulong)seed);
        var weights = LlamaWeights.Load(config, (name, shape) =>
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
                return (ones(shape) + randn(shape, generator: generator) * 0.1).to(dtype);
            return (randn(shape, generator: generator) * (name.EndsWith("bias", StringComparison.Ordinal) ? 0.1 : 0.08)).to(dtype);
        });
        return new LlamaModel(config, weights, dtype, CPU, config.MaxPositionEmbeddings);
    }
}
