using Dynamo.Orleans.Client;
using Dynamo.Orleans.Grains.Hosting;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Workers;
using Orleans.TestingHost;

namespace Dynamo.Orleans.Grains.Tests.Fabric;

/// <summary>
/// A three-silo cluster in this process over its own generated float32 model, started by a test with the roles and
/// fabric options it needs; "Silo_0" is the front silo by convention. Greedy outputs compare exactly with the engine alone.
/// </summary>
internal sealed class ServingCluster : IAsyncDisposable
{
    public const int BlockSize = 16;

    private readonly string _modelDirectory;

    private ServingCluster(string modelDirectory, InProcessTestCluster cluster)
    {
        _modelDirectory = modelDirectory;
        Cluster = cluster;
    }

    public InProcessTestCluster Cluster { get; }

    public static async Task<ServingCluster> StartAsync(int seed, Func<string, WorkerRole> roleOf, Action<FabricOptions> configure, int silos = 3)
    {
        var model = Path.Combine(Path.GetTempPath(), "dynamo-serving-" + Guid.NewGuid().ToString("N"));
        SyntheticModelFolder.Write(model, SyntheticModelOptions.Tiny with { Seed = seed });
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((options, silo) => silo.AddDynamoFabric(fabric =>
        {
            fabric.Roles = roleOf(options.SiloName);
            fabric.Engine = new EngineOptions { Model = model, DType = "float32", KvCacheBlocks = 256, Threads = 1, BlockSize = BlockSize };
            configure(fabric);
        }));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new ServingCluster(model, cluster);
    }

    public sealed record Served(string Id, int[] Tokens, SequenceStatus Status, CompletionUsage Usage);

    /// <summary>Greedy generation through the cluster, with the request's status once it ended.</summary>
    public async Task<Served> GenerateAsync(int[] prompt, int maxTokens)
    {
        var dynamo = Cluster.Client.Dynamo();
        var id = DynamoClient.NewRequestId();
        var tokens = new List<int>();
        CompletionUsage? usage = null;
        await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = prompt, MaxTokens = maxTokens, Temperature = 0, IgnoreEos = true }, id))
        {
            tokens.AddRange(chunk.TokenIds);
            usage = chunk.Usage ?? usage;
        }
        return new Served(id, tokens.ToArray(), await dynamo.GetStatusAsync(id), usage!);
    }

    /// <summary>Greedy tokens from one engine with no fabric around it: what every served path must reproduce.</summary>
    public async Task<int[]> EngineAlone(int[] prompt, int maxTokens)
    {
        using var runtime = ModelRuntime.Load(new EngineOptions { Model = _modelDirectory, DType = "float32", Threads = 1, BlockSize = BlockSize });
        var (tokens, _) = await runtime.Engine.GenerateAsync(prompt, Kernels.Sampling.SamplingParams.Greedy(maxTokens) with { IgnoreEos = true });
        return tokens.Select(t => t.TokenId).ToArray();
    }

    /// <summary>Token ids in the tiny model's vocabulary; different salts give different sequences.</summary>
    public static int[] Words(int count, int salt) => Enumerable.Range(0, count).Select(i => (i * 37 + salt * 101 + 5) % 3000 + 10).ToArray();

    /// <summary>Where the memory streams' queue grains (the kv-pages handles' queues) are activated.</summary>
    public Task<IReadOnlyList<SiloAddress>> StreamQueueSilosAsync() => StreamQueueSilosAsync(Cluster.Client);

    public static async Task<IReadOnlyList<SiloAddress>> StreamQueueSilosAsync(IGrainFactory grains)
    {
        var statistics = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(nameof(global::Orleans.Providers.MemoryStreamQueueGrain), StringComparison.Ordinal))
            .Select(s => s.SiloAddress).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        try { Directory.Delete(_modelDirectory, recursive: true); } catch (IOException) { }
    }
}
