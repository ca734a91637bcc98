using Dynamo.Orleans.Kernels.Checkpoints;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Model;

/// <summary>Builds a <see cref="LlamaModel"/> from a Hugging Face checkpoint folder.</summary>
public static class LlamaModelLoader
{
    public static LlamaModel Load(Checkpoint checkpoint, ScalarType dtype, Device device, int maxPositions)
    {
        var config = checkpoint.Config;
        // Fail on a missing tensor before spending time on the ones that are there.
        foreach (var expected in LlamaWeightNames.Expected(config))
            if (!checkpoint.Contains(expected.Name))
                throw new CheckpointException(checkpoint.Directory, expected.Name, "is missing from the checkpoint");
        var weights = LlamaWeights.Load(config, (name, shape) => checkpoint.Load(name, shape, dtype, device));
        return new LlamaModel(config, weights, dtype, device, maxPositions);
    }
}
