using System.Diagnostics;
using Dynamo.Orleans.Client;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Silo.Clustering;
using Dynamo.Orleans.Transfer;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// A cluster whose membership lives in a real Redis: separate <c>dynamo serve</c> processes that name no primary, each
/// with its own host id, so the transport choice treats them as different hosts (KV pages cross over the TCP data
/// plane). A front silo (sequence grains and HTTP, no worker role), a prefill silo, a decode silo, a decode silo that
/// joins later, and a <c>--role gateway</c> process that finds the silos through Redis.
/// </summary>
public sealed class RedisClusterTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-redis-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;

    public RedisClusterTests()
    {
        _model = Path.Combine(_root, "tiny-llama");
        SyntheticModelFolder.Write(_model, SyntheticModelOptions.Tiny with { Seed = 41, NumLayers = 4 });
    }

    [SkippableFact]
    public async Task Silos_found_through_Redis_serve_across_hosts_survive_a_dead_decode_host_and_take_one_that_joins()
    {
        Skip.If(RedisServer.Executable is null, "redis-server is not installed: apt-get install -y redis-server (.ci/run installs it)");
        using var redis = await RedisServer.StartAsync();
        string cluster = "redis-" + Guid.NewGuid().ToString("N")[..8];
        string[] common = ["--clustering", redis.Url, "--advertise-address", "127.0.0.1", "--cluster-id", cluster, "--model", _model,
                           "--dtype", "float32", "--threads", "1", "--disaggregation-threshold", "1"];
        await using var processes = new ClusterProcesses();
        int http = ClusterProcesses.FreePort();
        await processes.StartAsync(_root, [.. common, "--role", "none", "--host-id", "front", .. Ports(), "--http-port", $"{http}"]);
        await processes.StartAsync(_root, [.. common, "--role", "prefill", "--host-id", "host-a", .. SiloPort()]);
        var decodeB = await processes.StartAsync(_root, [.. common, "--role", "decode", "--host-id", "host-b", .. SiloPort()]);

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client.UseDynamoMembership(Membership.Parse(redis.Url), cluster, [], null).AddDynamoClient());
        using var host = builder.Build();
        await host.StartAsync();
        var dynamo = host.Services.GetRequiredService<DynamoClient>();
        var fabric = host.Services.GetRequiredService<IClusterClient>().GetGrain<IFabricStatusGrain>(0);
        await FabricWaits.WorkersAsync(fabric, prefill: 1, decode: 1, processes.Logs);

        using var runtime = ModelRuntime.Load(new EngineOptions { Model = _model, DType = "float32", Threads = 1 });
        foreach (var length in new[] { 15, 33 })
        {
            var prompt = FabricWaits.Prompt(length);
            var (alone, _) = await runtime.Engine.GenerateAsync(prompt, SamplingParams.Greedy(8));
            var id = DynamoClient.NewRequestId();
            var served = new List<int>();
            await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = prompt, MaxTokens = 8, Temperature = 0 }, id))
                served.AddRange(chunk.TokenIds);
            Assert.Equal(alone.Select(t => t.TokenId), served);
            var status = await dynamo.GetStatusAsync(id);
            Assert.True(status.Disaggregated, processes.Logs());
            Assert.Equal(KvTransportKind.Tcp, status.KvTransport); // other host id: never shared memory
        }

        // The HTTP API, beside the front silo and in a gateway process that finds the silos through Redis alone.
        int gatewayHttp = ClusterProcesses.FreePort();
        await processes.StartAsync(_root, ["--role", "gateway", "--clustering", redis.Url, "--advertise-address", "127.0.0.1", "--cluster-id", cluster,
                                           "--http-port", $"{gatewayHttp}"]);
        var textPrompt = FabricWaits.Prompt(20);
        var (expected, _) = await runtime.Engine.GenerateAsync(textPrompt, SamplingParams.Greedy(6));
        var expectedText = runtime.Tokenizer.Decode(expected.Select(t => t.TokenId).ToList(), skipSpecialTokens: true);
        foreach (var port in new[] { http, gatewayHttp })
            Assert.Equal(expectedText, await FabricWaits.CompleteOverHttpAsync($"http://127.0.0.1:{port}/v1/", "tiny-llama", textPrompt, 6));

        // A decode host joins; then the first one dies in the middle of a stream, which carries on at the newcomer.
        var decodeC = await processes.StartAsync(_root, [.. common, "--role", "decode", "--host-id", "host-c", .. SiloPort()]);
        await FabricWaits.WorkersAsync(fabric, prefill: 1, decode: 2, processes.Logs);
        var longPrompt = FabricWaits.Prompt(24);
        var (uninterrupted, _) = await runtime.Engine.GenerateAsync(longPrompt, SamplingParams.Greedy(400) with { IgnoreEos = true });
        var streamId = DynamoClient.NewRequestId();
        var streamed = new List<int>();
        bool killed = false;
        var killedAt = Stopwatch.StartNew();
        string? victim = null;
        try
        {
            await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = longPrompt, MaxTokens = 400, Temperature = 0, IgnoreEos = true }, streamId))
            {
                streamed.AddRange(chunk.TokenIds);
                if (killed || streamed.Count < 4) continue;
                victim = (await dynamo.GetStatusAsync(streamId)).DecodeWorker;
                var process = victim is not null && victim.Contains($":{SiloPortOf(decodeB)}@") ? decodeB : decodeC;
                process.Kill(); // SIGKILL: no drain, no goodbye
                killedAt.Restart();
                killed = true;
            }
        }
        catch (Exception e)
        {
            Assert.Fail($"the stream failed {killedAt.Elapsed.TotalSeconds:F1} s after the decode host {victim} was killed: {e.Message}\n{processes.Logs()}");
        }
        Assert.True(killed, "the stream ended before the decode host could be killed");
        Assert.Equal(uninterrupted.Select(t => t.TokenId), streamed); // nothing lost, nothing twice
        Assert.Equal(1, (await dynamo.GetStatusAsync(streamId)).Reroutes);

        // The dead worker leaves the pools, and requests keep being served meanwhile.
        while ((await fabric.GetStatus()).DecodeWorkers.Any(w => w.WorkerId == victim))
        {
            Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(60), $"the dead decode worker {victim} is still listed\n{processes.Logs()}");
            await Task.Delay(200);
        }
        Console.WriteLine($"dead decode worker left the pools {killedAt.Elapsed.TotalSeconds:F1} s after SIGKILL");
        var again = await dynamo.CompleteAsync(new GenerateRequest { PromptTokenIds = FabricWaits.Prompt(15), MaxTokens = 8, Temperature = 0 });
        Assert.Equal(8, again.TokenIds.Count);
        await host.StopAsync();

        // Only the front silo opens a client gateway: with Redis, pure worker silos open none unless asked.
        string[] Ports() => ["--silo-port", $"{ClusterProcesses.FreePort()}", "--gateway-port", $"{ClusterProcesses.FreePort()}"];
        string[] SiloPort() => ["--silo-port", $"{ClusterProcesses.FreePort()}"];
    }

    /// <summary>The --silo-port a process was started with: worker ids carry their silo's address.</summary>
    private static string SiloPortOf(Process process)
    {
        var args = File.ReadAllText($"/proc/{process.Id}/cmdline").Split('\0');
        return args[Array.IndexOf(args, "--silo-port") + 1];
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
