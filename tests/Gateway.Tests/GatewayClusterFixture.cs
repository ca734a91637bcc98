using System.Net.Http.Headers;
using Dynamo.Orleans.Gateway.Hosting;
using Dynamo.Orleans.Grains.Hosting;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Workers;
using Orleans.TestingHost;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>
/// A one-silo cluster (every role) over a generated float32 Llama checkpoint, and a gateway on a real Kestrel
/// listener (127.0.0.1, a free port) reaching it as an Orleans client — the standalone deployment. Tests that need
/// other gateway options start another <see cref="GatewayServer"/> over the same cluster.
/// </summary>
public sealed class GatewayClusterFixture : IAsyncLifetime
{
    public const int KvBlocks = 512;
    public const int ContextWindow = 2048;

    public string ModelDirectory { get; } = Path.Combine(Path.GetTempPath(), "dynamo-gateway-" + Guid.NewGuid().ToString("N"));
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public GatewayServer Gateway { get; private set; } = null!;
    /// <summary>The served model's name, as the cluster reports it.</summary>
    public string Model { get; private set; } = "";
    public Uri BaseAddress => Gateway.Addresses[0];
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        SyntheticModelFolder.Write(ModelDirectory, SyntheticModelOptions.Tiny with { Seed = 5, MaxPositionEmbeddings = ContextWindow });
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddDynamoFabric(fabric =>
        {
            fabric.Roles = WorkerRole.All;
            fabric.Engine = new EngineOptions { Model = ModelDirectory, DType = "float32", KvCacheBlocks = KvBlocks, Threads = 1, BlockSize = 16 };
        }));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Model = (await Cluster.Client.GetGrain<IFabricStatusGrain>(0).GetStatus()).Model;
        Gateway = await StartGatewayAsync();
        Http = NewHttpClient(Gateway);
    }

    public Task<GatewayServer> StartGatewayAsync(Action<GatewayOptions>? configure = null, IGrainFactory? grains = null) =>
        GatewayServer.StartAsync(grains ?? Cluster.Client, o =>
        {
            o.Urls = "http://127.0.0.1:0";
            configure?.Invoke(o);
        });

    public static HttpClient NewHttpClient(GatewayServer gateway, string? apiKey = null)
    {
        var http = new HttpClient { BaseAddress = gateway.Addresses[0], Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return http;
    }

    public OpenAI.OpenAIClient OpenAI(GatewayServer? gateway = null, string key = "not-checked") =>
        new(new System.ClientModel.ApiKeyCredential(key), new global::OpenAI.OpenAIClientOptions { Endpoint = new Uri((gateway ?? Gateway).Addresses[0], "v1") });

    public async Task<WorkerLoad> DecodeWorker() => (await Cluster.Client.GetGrain<IFabricStatusGrain>(0).GetStatus()).DecodeWorkers.Single();

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Gateway.DisposeAsync();
        await Cluster.DisposeAsync();
        try { Directory.Delete(ModelDirectory, recursive: true); } catch (IOException) { }
    }
}

[CollectionDefinition(nameof(GatewayCluster))]
public sealed class GatewayCluster : ICollectionFixture<GatewayClusterFixture>;
