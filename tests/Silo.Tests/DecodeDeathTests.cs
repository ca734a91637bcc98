using System.Diagnostics;
using Dynamo.Orleans.Client;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Transfer;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// A consumer that dies while it copies leaves the producer's pool as it was. Separate processes on loopback: a prefill
/// silo (the primary) whose registered pool the decode silos map read-only, a front silo, and two decode silos, one of
/// which is SIGKILLed while handoffs run. Every request still returns the engine-alone tokens; the prefill worker's
/// pinned blocks are freed when the dead consumer's leases expire; and the same prompts served again afterwards —
/// from the prefill engine's prefix cache, the blocks the dead process was reading — give the same tokens.
/// </summary>
public sealed class DecodeDeathTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-decode-kill-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;

    public DecodeDeathTests()
    {
        _model = Path.Combine(_root, "tiny-llama");
        SyntheticModelFolder.Write(_model, SyntheticModelOptions.Tiny with { Seed = 53, NumLayers = 4 });
    }

    [Fact]
    public async Task A_decode_process_killed_mid_handoff_leaves_the_prefill_pool_consistent_and_its_pins_expire()
    {
        int prefillSilo = ClusterProcesses.FreePort(), prefillGateway = ClusterProcesses.FreePort();
        int frontSilo = ClusterProcesses.FreePort(), frontGateway = ClusterProcesses.FreePort();
        string cluster = "dk-" + Guid.NewGuid().ToString("N")[..8];
        string[] common = ["--model", _model, "--dtype", "float32", "--threads", "1", "--cluster-id", cluster, "--disaggregation-threshold", "1", "--http-port", "0"];
        // Short leases, so the pins a dead consumer never released end within the test.
        var shortLeases = new Dictionary<string, string> { ["DYNAMO_Transport__LeaseTimeout"] = "00:00:04" };
        await using var processes = new ClusterProcesses();
        await processes.StartAsync(_root, shortLeases, [.. common, "--role", "prefill", "--silo-port", $"{prefillSilo}", "--gateway-port", $"{prefillGateway}"]);
        await processes.StartAsync(_root, [.. common, "--role", "none", "--silo-port", $"{frontSilo}", "--gateway-port", $"{frontGateway}",
                                           "--primary", $"127.0.0.1:{prefillSilo}"]);
        int victimSilo = ClusterProcesses.FreePort();
        var victim = await processes.StartAsync(_root, [.. common, "--role", "decode", "--silo-port", $"{victimSilo}",
                                                        "--gateway-port", $"{ClusterProcesses.FreePort()}", "--primary", $"127.0.0.1:{prefillSilo}"]);
        await processes.StartAsync(_root, [.. common, "--role", "decode", "--silo-port", $"{ClusterProcesses.FreePort()}",
                                           "--gateway-port", $"{ClusterProcesses.FreePort()}", "--primary", $"127.0.0.1:{prefillSilo}"]);

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client.UseLocalhostClustering([prefillGateway, frontGateway], "dynamo", cluster).AddDynamoClient());
        using var host = builder.Build();
        await host.StartAsync();
        var dynamo = host.Services.GetRequiredService<DynamoClient>();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        var fabric = grains.GetGrain<IFabricStatusGrain>(0);
        await FabricWaits.WorkersAsync(fabric, prefill: 1, decode: 2, processes.Logs);
        var prefill = grains.GetGrain<IPrefillWorkerGrain>((await fabric.GetStatus()).PrefillWorkers.Single().WorkerId);

        using var runtime = ModelRuntime.Load(new EngineOptions { Model = _model, DType = "float32", Threads = 1 });
        var prompts = Enumerable.Range(0, 10).Select(i => FabricWaits.Prompt(60 + 9 * i)).ToArray();
        var expected = new List<int[]>();
        foreach (var p in prompts) expected.Add((await runtime.Engine.GenerateAsync(p, SamplingParams.Greedy(8))).Tokens.Select(t => t.TokenId).ToArray());

        async Task<(int[] Tokens, SequenceStatus? Status, Exception? Error)> Serve(int[] prompt, int delayMs)
        {
            await Task.Delay(delayMs);
            var id = DynamoClient.NewRequestId();
            try
            {
                var tokens = new List<int>();
                await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = prompt, MaxTokens = 8, Temperature = 0 }, id, CancellationToken.None))
                    tokens.AddRange(chunk.TokenIds);
                return (tokens.ToArray(), await dynamo.GetStatusAsync(id), null);
            }
            catch (Exception e)
            {
                return ([], null, e);
            }
        }

        var victimWorker = grains.GetGrain<IDecodeWorkerGrain>((await fabric.GetStatus()).DecodeWorkers
            .Single(w => w.WorkerId.Contains($":{victimSilo}@", StringComparison.Ordinal)).WorkerId);

        // Requests spread over a second and a half; the kill lands while the victim holds handoffs or sequences.
        var inFlight = prompts.Select((p, i) => Serve(p, 150 * i)).ToArray();
        var busy = Stopwatch.StartNew();
        while (await victimWorker.GetLoad() is { PendingHandoffs: 0, Running: 0 })
        {
            Assert.True(busy.Elapsed < TimeSpan.FromSeconds(30), $"the victim never received work\n{processes.Logs()}");
            await Task.Delay(10);
        }
        victim.Kill(); // SIGKILL: whatever it was copying stays half-copied in its own (dead) memory
        var results = await Task.WhenAll(inFlight);
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.True(results[i].Error is null, $"request {i} failed: {results[i].Error}\n{processes.Logs()}");
            Assert.Equal(expected[i], results[i].Tokens);
        }
        Assert.Contains(results, r => r.Status!.Disaggregated && r.Status.KvTransport == KvTransportKind.SharedMemory);
        // The victim took part: it decoded some requests, or some were re-routed away from it when it died.
        Assert.Contains(results, r => r.Status!.Reroutes > 0 || r.Status.DecodeWorker?.Contains($":{victimSilo}@", StringComparison.Ordinal) == true);

        // The dead consumer never released its leases: they expire, and the prefill worker unpins their blocks.
        await FabricWaits.WorkersAsync(fabric, prefill: 1, decode: 1, processes.Logs);
        var deadline = Stopwatch.StartNew();
        WorkerLoad load;
        while ((load = await prefill.GetLoad()) is not { ActiveLeases: 0, Running: 0, Waiting: 0, UsedBlocks: 0 })
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(40), $"the prefill worker still pins blocks: {load}\n{processes.Logs()}");
            await Task.Delay(100);
        }

        // The pool the dead process had mapped is intact: the same prompts, now largely from the prefill prefix cache, give the same tokens.
        var again = await Task.WhenAll(prompts.Select((p, i) => Serve(p, 0)));
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.True(again[i].Error is null, $"request {i} after the kill failed: {again[i].Error}\n{processes.Logs()}");
            Assert.Equal(expected[i], again[i].Tokens);
        }
        Assert.Contains(again, r => r.Status!.Disaggregated && r.Status.CachedPromptTokens > 0);
        await host.StopAsync();
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
