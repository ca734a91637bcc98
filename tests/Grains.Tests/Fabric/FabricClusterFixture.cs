using Dynamo.Orleans.Client;
using Dynamo.Orleans.Grains.Hosting;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Workers;
using Orleans.TestingHost;

namespace Dynamo.Orleans.Grains.Tests.Fabric;

/// <summary>
/// A real three-silo Orleans cluster in this process: "Silo_0" has no worker role, "Silo_1" is the prefill pool,
/// "Silo_2" the decode pool. All share one generated Qwen2-architecture checkpoint (float32, so greedy outputs are
/// compared exactly with the engine alone).
/// </summary>
public sealed class FabricClusterFixture : IAsyncLifetime
{
    public const int KvBlocks = 256;

    public string ModelDirectory { get; } = Path.Combine(Path.GetTempPath(), "dynamo-fabric-" + Guid.NewGuid().ToString("N"));
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public DynamoClient Dynamo => Cluster.Client.Dynamo();

    public static WorkerRole RoleOf(string siloName) => siloName switch
    {
        "Silo_0" => WorkerRole.None,
        "Silo_1" => WorkerRole.Prefill,
        _ => WorkerRole.Decode,
    };

    public async Task InitializeAsync()
    {
        SyntheticModelFolder.Write(ModelDirectory, SyntheticModelOptions.Tiny with { Architecture = ModelArchitecture.Qwen2, Seed = 21 });
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((options, silo) => silo.AddDynamoFabric(fabric =>
        {
            fabric.Roles = RoleOf(options.SiloName);
            fabric.Engine = new EngineOptions { Model = ModelDirectory, DType = "float32", KvCacheBlocks = KvBlocks, Threads = 1, BlockSize = 16 };
            fabric.DisaggregationThreshold = 1;
            fabric.HandoffTimeout = TimeSpan.FromSeconds(20);
        }));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Greedy tokens from one engine with no fabric around it: what every served path must reproduce.</summary>
    public async Task<int[]> EngineAlone(IReadOnlyList<int> prompt, int maxTokens)
    {
        using var runtime = ModelRuntime.Load(new EngineOptions { Model = ModelDirectory, DType = "float32", Threads = 1, BlockSize = 16 });
        var (tokens, _) = await runtime.Engine.GenerateAsync(prompt, Kernels.Sampling.SamplingParams.Greedy(maxTokens));
        return tokens.Select(t => t.TokenId).ToArray();
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        try { Directory.Delete(ModelDirectory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(nameof(FabricCluster))]
public sealed class FabricCluster : ICollectionFixture<FabricClusterFixture>;
