using System.Diagnostics;
using System.Text;
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
/// The fabric across real network hosts on one machine (network namespaces, each with its own address and hostname):
/// Redis, a front silo and a <c>--role gateway</c> process on host 1, a prefill silo on host 2, decode silos on hosts 3
/// and 4, and a decode host 5 that joins later. Every process finds the others through Redis and advertises its own
/// address; nothing is on loopback.
/// </summary>
public sealed class MultiHostClusterTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-hosts-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;
    private readonly List<(string Name, StringBuilder Output)> _logs = new();

    public MultiHostClusterTests()
    {
        _model = Path.Combine(_root, "tiny-llama");
        SyntheticModelFolder.Write(_model, SyntheticModelOptions.Tiny with { Seed = 43, NumLayers = 4 });
    }

    [SkippableFact]
    public async Task A_cluster_across_hosts_serves_the_engine_alone_tokens_loses_no_token_to_a_dead_host_and_takes_a_new_one()
    {
        var unavailable = NetworkHosts.Unavailable();
        Skip.If(unavailable is not null, $"no network namespaces here: {unavailable}");
        Skip.If(RedisServer.Executable is null, "redis-server is not installed: apt-get install -y redis-server (.ci/run installs it)");
        await using var hosts = new NetworkHosts();
        var front = await hosts.AddAsync(1);
        var prefillHost = await hosts.AddAsync(2);
        var decode3 = await hosts.AddAsync(3);
        var decode4 = await hosts.AddAsync(4);
        var decode5 = await hosts.AddAsync(5);

        var redisFolder = Path.Combine(_root, "redis");
        Directory.CreateDirectory(redisFolder);
        var redisLog = Log("redis");
        // protected-mode no: without a password Redis 7 answers only loopback clients; these hosts are a private bridge.
        front.Start([RedisServer.Executable!, "--bind", front.Address, "--port", "6379", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", redisFolder], redisLog);
        var clustering = $"redis://{front.Address}:6379";
        string[] silo = ["dotnet", DynamoProcess.Executable, "serve", "--clustering", clustering, "--model", _model, "--dtype", "float32",
                         "--threads", "1", "--disaggregation-threshold", "1"];

        // The decode silo on host 3 starts first: killing it later shows that no silo is special.
        var decode3Process = await StartAsync(decode3, [.. silo, "--role", "decode"]);
        await StartAsync(front, [.. silo, "--role", "none", "--http-port", "8000"]);
        var prefillProcess = await StartAsync(prefillHost, [.. silo, "--role", "prefill"]);
        var decode4Process = await StartAsync(decode4, [.. silo, "--role", "decode"]);
        await StartAsync(front, ["dotnet", DynamoProcess.Executable, "serve", "--role", "gateway", "--clustering", clustering, "--http-port", "8001"]);

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client.UseDynamoMembership(Membership.Parse(clustering), "dynamo", [], null).AddDynamoClient());
        using var host = builder.Build();
        await host.StartAsync();
        var dynamo = host.Services.GetRequiredService<DynamoClient>();
        var fabric = host.Services.GetRequiredService<IClusterClient>().GetGrain<IFabricStatusGrain>(0);
        await FabricWaits.WorkersAsync(fabric, prefill: 1, decode: 2, Logs);
        using var runtime = ModelRuntime.Load(new EngineOptions { Model = _model, DType = "float32", Threads = 1 });

        // 1. Disaggregated across hosts, over the TCP data plane, exactly the engine alone's greedy tokens.
        foreach (var length in new[] { 17, 40 })
        {
            var prompt = FabricWaits.Prompt(length);
            var (alone, _) = await runtime.Engine.GenerateAsync(prompt, SamplingParams.Greedy(8));
            var id = DynamoClient.NewRequestId();
            var served = new List<int>();
            await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = prompt, MaxTokens = 8, Temperature = 0 }, id))
                served.AddRange(chunk.TokenIds);
            Assert.Equal(alone.Select(t => t.TokenId), served);
            var status = await dynamo.GetStatusAsync(id);
            Assert.True(status.Disaggregated, Logs());
            Assert.Equal(KvTransportKind.Tcp, status.KvTransport);
            Assert.StartsWith(prefillHost.Address + ":", status.PrefillWorker);
        }

        // 2. The OpenAI API from outside host 1: beside the front silo and in the gateway process.
        var textPrompt = FabricWaits.Prompt(20);
        var (expected, _) = await runtime.Engine.GenerateAsync(textPrompt, SamplingParams.Greedy(6));
        var expectedText = runtime.Tokenizer.Decode(expected.Select(t => t.TokenId).ToList(), skipSpecialTokens: true);
        foreach (var port in new[] { 8000, 8001 })
            Assert.Equal(expectedText, await FabricWaits.CompleteOverHttpAsync($"http://{front.Address}:{port}/v1/", "tiny-llama", textPrompt, 6));

        // 3. SIGKILL of the prefill host, with requests in flight and more sent before membership declares it dead: each
        //    is still served (another path: local prefill on the decode worker) with the engine-alone tokens.
        var prompts = Enumerable.Range(0, 6).Select(i => FabricWaits.Prompt(30 + i)).ToArray();
        var expectations = new List<int[]>();
        foreach (var p in prompts) expectations.Add((await runtime.Engine.GenerateAsync(p, SamplingParams.Greedy(8))).Tokens.Select(t => t.TokenId).ToArray());
        var inFlight = prompts.Select(async (p, i) =>
        {
            await Task.Delay(150 * i);
            return (await dynamo.CompleteAsync(new GenerateRequest { PromptTokenIds = p, MaxTokens = 8, Temperature = 0 })).TokenIds.ToArray();
        }).ToArray();
        await Task.Delay(200);
        prefillProcess.Kill(); // SIGKILL
        for (int i = 0; i < prompts.Length; i++)
        {
            var served = await inFlight[i];
            Assert.True(expectations[i].AsEnumerable().SequenceEqual(served), $"request {i} after the prefill host died: {string.Join(',', served)}\n{Logs()}");
        }

        // 4. SIGKILL of the decode host serving a stream: the stream goes on at the other decode host with no token lost
        //    or repeated.
        var longPrompt = FabricWaits.Prompt(24);
        var (uninterrupted, _) = await runtime.Engine.GenerateAsync(longPrompt, SamplingParams.Greedy(400) with { IgnoreEos = true });
        var streamId = DynamoClient.NewRequestId();
        var streamed = new List<int>();
        NetworkHost? victim = null;
        await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = longPrompt, MaxTokens = 400, Temperature = 0, IgnoreEos = true }, streamId))
        {
            streamed.AddRange(chunk.TokenIds);
            if (victim is not null || streamed.Count < 4) continue;
            var worker = (await dynamo.GetStatusAsync(streamId)).DecodeWorker ?? "";
            victim = worker.StartsWith(decode3.Address + ":", StringComparison.Ordinal) ? decode3 : decode4;
            (victim == decode3 ? decode3Process : decode4Process).Kill(); // SIGKILL
        }
        Assert.Equal(uninterrupted.Select(t => t.TokenId), streamed);
        Assert.Equal(1, (await dynamo.GetStatusAsync(streamId)).Reroutes);
        var killedAt = Stopwatch.StartNew();
        while ((await fabric.GetStatus()).DecodeWorkers.Any(w => w.WorkerId.StartsWith(victim!.Address + ":", StringComparison.Ordinal)))
        {
            Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(60), $"{victim!.Name}'s decode worker is still listed\n{Logs()}");
            await Task.Delay(200);
        }

        // 5. A new decode host joins and takes requests, with no restart of anything else (a burst spreads over both).
        await StartAsync(decode5, [.. silo, "--role", "decode"]);
        await FabricWaits.WorkersAsync(fabric, prefill: 0, decode: 2, Logs);
        var burst = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var id = DynamoClient.NewRequestId();
            var tokens = new List<int>();
            await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = FabricWaits.Prompt(18 + i), MaxTokens = 16, Temperature = 0 }, id))
                tokens.AddRange(chunk.TokenIds);
            Assert.Equal(16, tokens.Count);
            return (await dynamo.GetStatusAsync(id)).DecodeWorker ?? "";
        }));
        Assert.Contains(burst, w => w.StartsWith(decode5.Address + ":", StringComparison.Ordinal));

        // 6. The silo that started first (decode host 3) dies too, if it is still up: nothing depended on it.
        if (!decode3Process.HasExited)
        {
            decode3Process.Kill();
            for (int i = 0; i < 3; i++)
            {
                var (alone, _) = await runtime.Engine.GenerateAsync(FabricWaits.Prompt(50 + i), SamplingParams.Greedy(8));
                var completion = await dynamo.CompleteAsync(new GenerateRequest { PromptTokenIds = FabricWaits.Prompt(50 + i), MaxTokens = 8, Temperature = 0 });
                Assert.Equal(alone.Select(t => t.TokenId), completion.TokenIds);
            }
        }
        await host.StopAsync();
    }

    private StringBuilder Log(string name)
    {
        var output = new StringBuilder();
        lock (_logs) _logs.Add((name, output));
        return output;
    }

    private string Logs()
    {
        lock (_logs) return string.Join("\n----\n", _logs.Select(l => { lock (l.Output) return $"[{l.Name}]\n{l.Output}"; }));
    }

    private async Task<Process> StartAsync(NetworkHost host, string[] arguments)
    {
        var output = Log($"{host.Name} {string.Join(' ', arguments.SkipWhile(a => a != "--role").Take(2))}");
        var process = host.Start(arguments, output, new Dictionary<string, string> { ["DYNAMO_CACHE"] = _root });
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            lock (output) if (output.ToString().Contains("dynamo serve: ready")) return process;
            if (process.HasExited) throw new InvalidOperationException($"{host.Name}: exited early ({process.ExitCode})\n{Logs()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{host.Name}: not ready in 2 minutes\n{Logs()}");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
