using Dynamo.Orleans.Client;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// Disaggregation across processes: a prefill silo and a decode silo as separate <c>dynamo serve</c> processes on
/// loopback, and an Orleans client in the test. KV pages cross between the processes by shared memory (the locality
/// choice on one host) or by the TCP data plane (forced), and the output must equal the engine alone either way.
/// </summary>
public sealed class MultiProcessServingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-mp-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;

    public MultiProcessServingTests()
    {
        _model = Path.Combine(_root, "tiny-llama");
        SyntheticModelFolder.Write(_model, SyntheticModelOptions.Tiny with { Seed = 31, NumLayers = 4 });
    }

    [Theory]
    [InlineData("sharedmemory", KvTransportKind.SharedMemory)]
    [InlineData("tcp", KvTransportKind.Tcp)]
    public async Task Prefill_and_decode_processes_serve_what_the_engine_alone_generates(string transport, KvTransportKind expected)
    {
        int prefillSilo = ClusterProcesses.FreePort(), prefillGateway = ClusterProcesses.FreePort();
        int decodeSilo = ClusterProcesses.FreePort(), decodeGateway = ClusterProcesses.FreePort();
        string cluster = "mp-" + Guid.NewGuid().ToString("N")[..8];
        string[] common = ["--model", _model, "--dtype", "float32", "--threads", "1", "--cluster-id", cluster, "--kv-transport", transport,
                           "--disaggregation-threshold", "1", "--http-port", "0"];
        // Over TCP the processes share a cluster secret, given to each a different way: had either not bound it, the
        // prefill side would refuse the decode side's pulls and every request would prefill locally (Disaggregated false).
        string secret = "mp-secret-" + Guid.NewGuid().ToString("N");
        string[] prefillSecret = expected == KvTransportKind.Tcp ? ["--cluster-secret", secret] : [];
        var decodeEnvironment = expected == KvTransportKind.Tcp ? new Dictionary<string, string> { ["DYNAMO_CLUSTER_SECRET"] = secret } : [];
        await using var processes = new ClusterProcesses();
        var prefillProcess = await processes.StartAsync(_root, [.. common, .. prefillSecret, "--role", "prefill", "--silo-port", $"{prefillSilo}", "--gateway-port", $"{prefillGateway}"]);
        var decodeProcess = await processes.StartAsync(_root, decodeEnvironment, [.. common, "--role", "decode", "--silo-port", $"{decodeSilo}", "--gateway-port", $"{decodeGateway}",
                                          "--primary", $"127.0.0.1:{prefillSilo}"]);

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client.UseLocalhostClustering([prefillGateway, decodeGateway], "dynamo", cluster).AddDynamoClient());
        using var host = builder.Build();
        await host.StartAsync();
        var dynamo = host.Services.GetRequiredService<DynamoClient>();

        using var runtime = ModelRuntime.Load(new EngineOptions { Model = _model, DType = "float32", Threads = 1 });
        foreach (var length in new[] { 15, 16, 33 })
        {
            var prompt = Enumerable.Range(0, length).Select(i => (i * 389 + length) % 50000).ToArray();
            var (alone, _) = await runtime.Engine.GenerateAsync(prompt, SamplingParams.Greedy(8));
            var id = DynamoClient.NewRequestId();
            var served = new List<int>();
            try
            {
                await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = prompt, MaxTokens = 8, Temperature = 0 }, id))
                    served.AddRange(chunk.TokenIds);
            }
            catch (Exception e)
            {
                Assert.Fail($"{e}\n{processes.Logs()}");
            }
            Assert.Equal(alone.Select(t => t.TokenId), served);
            var status = await dynamo.GetStatusAsync(id);
            Assert.True(status.Disaggregated, processes.Logs());
            Assert.Equal(expected, status.KvTransport);
            Assert.Equal(0, status.Reroutes);
        }
        await host.StopAsync();

        // Ctrl-C: each process drains and exits cleanly on its own.
        Assert.Equal(0, await ClusterProcesses.InterruptAsync(decodeProcess));
        Assert.Equal(0, await ClusterProcesses.InterruptAsync(prefillProcess));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
