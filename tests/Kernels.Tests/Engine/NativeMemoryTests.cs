using Dynamo.Orleans.Kernels.Sampling;
using static Dynamo.Orleans.Kernels.Tests.Engine.EngineFixture;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Tests.Engine;

/// <summary>Tensor.TotalCount is process-wide: this collection runs alone so other tests' tensors do not blur it.</summary>
[CollectionDefinition(nameof(NativeMemoryTests), DisableParallelization = true)]
public sealed class NativeMemoryCollection;

[Collection(nameof(NativeMemoryTests))]
public sealed class NativeMemoryTests
{
    [Fact]
    public async Task Live_tensor_count_stays_flat_over_1000_decode_steps()
    {
        using var engine = Create(blocks: 512, blockSize: 16);
        var p = SamplingParams.Greedy(1000) with { IgnoreEos = true };
        await engine.GenerateAsync(Prompt(4, 1), SamplingParams.Greedy(20)); // warm up: first shapes, lazy tables
        // Count between steps: a sequence's last token reaches its reader while the engine thread may still be inside
        // that step, its temporaries alive; a command posted to the engine runs only once the step has ended.
        await engine.InvokeAsync(() => true);
        long before = Tensor.TotalCount;
        var run = await engine.GenerateAsync(Prompt(4, 2), p);
        Assert.Equal(1000, run.Tokens.Count);
        await engine.InvokeAsync(() => true);
        long after = Tensor.TotalCount;
        Assert.True(after - before <= 2, $"live tensors grew from {before} to {after} over 1000 steps");
    }
}
