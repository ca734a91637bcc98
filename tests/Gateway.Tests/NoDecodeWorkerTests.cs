using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dynamo.Orleans.Gateway.Hosting;
using Dynamo.Orleans.Grains.Hosting;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Workers;
using Orleans.TestingHost;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>A cluster whose only silo has no worker role: it knows the model but nothing can decode.</summary>
public sealed class NoDecodeWorkerTests : IAsyncLifetime
{
    private readonly string _modelDirectory = Path.Combine(Path.GetTempPath(), "dynamo-gateway-nodecode-" + Guid.NewGuid().ToString("N"));
    private InProcessTestCluster _cluster = null!;
    private GatewayServer _gateway = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        SyntheticModelFolder.Write(_modelDirectory, SyntheticModelOptions.Tiny with { Seed = 5 });
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddDynamoFabric(fabric =>
        {
            fabric.Roles = WorkerRole.None;
            fabric.Engine = new EngineOptions { Model = _modelDirectory, DType = "float32" };
        }));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
        _gateway = await GatewayServer.StartAsync(_cluster.Client, o => o.Urls = "http://127.0.0.1:0");
        _http = GatewayClusterFixture.NewHttpClient(_gateway);
    }

    [Fact]
    public async Task Health_is_503_and_completions_are_503_until_a_decode_worker_exists()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("live")).StatusCode);
        using var health = await _http.GetAsync("health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("unavailable", (string)JsonNode.Parse(await health.Content.ReadAsStringAsync())!["status"]!);

        var model = Path.GetFileName(_modelDirectory);
        var (status, error, _) = await ErrorMappingTests.Send(_http, "v1/chat/completions",
            JsonContent.Create(new { model, messages = new[] { new { role = "user", content = "hi" } } }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no_decode_worker", (string)error["code"]!);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
        await _cluster.DisposeAsync();
        try { Directory.Delete(_modelDirectory, recursive: true); } catch (IOException) { }
    }
}
