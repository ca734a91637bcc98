using Dynamo.Orleans.Kernels.Sampling;

namespace Dynamo.Orleans.Kernels.Tests.Engine;

/// <summary>What a router reads off an engine: its queue, even while the engine thread is busy inside a step.</summary>
public sealed class EngineStatsTests
{
    [Fact]
    public async Task A_sequence_submitted_while_the_engine_is_busy_counts_at_once_and_exactly_once()
    {
        using var engine = EngineFixture.Create(blockSize: 4, blocks: 64);
        using var busy = new ManualResetEventSlim();
        // Stands in for a long prefill step: the engine thread takes no submission until it is released.
        var blocked = engine.InvokeAsync(() => busy.Wait(TimeSpan.FromSeconds(30)));
        await Task.Delay(50);
        var prompt = EngineFixture.Prompt(20, salt: 1);
        var handle = engine.Submit(prompt, SamplingParams.Greedy(2));
        var mid = engine.Stats;
        Assert.Equal(1, mid.Waiting + mid.Running);
        Assert.Equal(prompt.Length, mid.PendingPrefillTokens);

        busy.Set();
        await blocked;
        await handle.Completion;
        var after = await EngineFixture.SettledStats(engine);
        Assert.Equal(0, after.Waiting + after.Running);
        Assert.Equal(0, after.PendingPrefillTokens);
    }
}
