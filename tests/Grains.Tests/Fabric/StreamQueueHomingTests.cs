using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Tests.Fabric;

public sealed class StreamQueueHomingTests
{
    [Fact]
    public async Task Queues_placed_on_workers_before_a_front_end_started_move_to_it_and_handoffs_still_serve_exact_tokens()
    {
        // Silo_0 prefills, Silo_1 decodes; the front end (Silo_2) starts after a handoff has put the queues on the workers.
        await using var serving = await ServingCluster.StartAsync(73,
            silo => silo switch { "Silo_0" => WorkerRole.Prefill, "Silo_1" => WorkerRole.Decode, _ => WorkerRole.None },
            fabric => fabric.DisaggregationThreshold = 1, silos: 2);
        var prompt = ServingCluster.Words(40, 3);
        var expected = await serving.EngineAlone(prompt, 6);
        var before = await serving.GenerateAsync(prompt, 6);
        Assert.True(before.Status.Disaggregated);
        Assert.Equal(expected, before.Tokens);
        var workers = serving.Cluster.Silos.Select(s => s.SiloAddress).ToHashSet();
        var placed = await serving.StreamQueueSilosAsync();
        Assert.NotEmpty(placed);
        Assert.All(placed, silo => Assert.Contains(silo, workers));

        var front = (await serving.Cluster.StartAdditionalSiloAsync()).SiloAddress;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        IReadOnlyList<SiloAddress> now;
        while ((now = await serving.StreamQueueSilosAsync()).Any(s => s != front) && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.NotEmpty(now);
        Assert.All(now, silo => Assert.Equal(front, silo));

        var after = await serving.GenerateAsync(ServingCluster.Words(40, 9), 6);
        Assert.True(after.Status.Disaggregated);
        Assert.Equal(await serving.EngineAlone(ServingCluster.Words(40, 9), 6), after.Tokens);
    }
}
