using System.Diagnostics;
using Dynamo.Orleans.Client;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// A prefill host that dies costs nothing but time: separate processes on loopback — a decode silo (the primary), a
/// front silo holding the sequence grains, and a prefill silo that is SIGKILLed while handoffs run, then replaced,
/// three times, each kill landing at another moment of the handoffs. Every request, including those sent before
/// membership declares the silo dead, returns exactly the engine-alone tokens, and the decode worker's reserved blocks
/// return to what they were.
/// </summary>
public sealed class PrefillFailureTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-prefill-kill-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;

    public PrefillFailureTests()
    {
        _model = Path.Combine(_root, "tiny-llama");
        SyntheticModelFolder.Write(_model, SyntheticModelOptions.Tiny with { Seed = 47, NumLayers = 4 });
    }

    [Fact]
    public async Task Requests_survive_repeated_SIGKILLs_of_the_prefill_host_with_exact_tokens_and_no_leaked_blocks()
    {
        int decodeSilo = ClusterProcesses.FreePort(), decodeGateway = ClusterProcesses.FreePort();
        int frontSilo = ClusterProcesses.FreePort(), frontGateway = ClusterProcesses.FreePort();
        string cluster = "pk-" + Guid.NewGuid().ToString("N")[..8];
        string[] common = ["--model", _model, "--dtype", "float32", "--threads", "1", "--cluster-id", cluster, "--disaggregation-threshold", "1", "--http-port", "0"];
        await using var processes = new ClusterProcesses();
        await processes.StartAsync(_root, [.. common, "--role", "decode", "--silo-port", $"{decodeSilo}", "--gateway-port", $"{decodeGateway}"]);
        await processes.StartAsync(_root, [.. common, "--role", "none", "--silo-port", $"{frontSilo}", "--gateway-port", $"{frontGateway}",
                                           "--primary", $"127.0.0.1:{decodeSilo}"]);

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client.UseLocalhostClustering([decodeGateway, frontGateway], "dynamo", cluster).AddDynamoClient());
        using var host = builder.Build();
        await host.StartAsync();
        var dynamo = host.Services.GetRequiredService<DynamoClient>();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        var fabric = grains.GetGrain<IFabricStatusGrain>(0);
        await FabricWaits.WorkersAsync(fabric, prefill: 0, decode: 1, processes.Logs);
        var decode = grains.GetGrain<IDecodeWorkerGrain>((await fabric.GetStatus()).DecodeWorkers.Single().WorkerId);
        int baseline = (await decode.GetLoad()).UsedBlocks;

        using var runtime = ModelRuntime.Load(new EngineOptions { Model = _model, DType = "float32", Threads = 1 });
        var prompts = Enumerable.Range(0, 6).Select(i => FabricWaits.Prompt(40 + 7 * i)).ToArray();
        var expected = new List<int[]>();
        foreach (var p in prompts) expected.Add((await runtime.Engine.GenerateAsync(p, SamplingParams.Greedy(8))).Tokens.Select(t => t.TokenId).ToArray());

        int tookPart = 0; // requests the prefill host served, or failed, before it died
        foreach (var killAfter in new[] { 30, 250, 700 })
        {
            var prefill = await processes.StartAsync(_root, [.. common, "--role", "prefill", "--silo-port", $"{ClusterProcesses.FreePort()}",
                                                             "--gateway-port", $"{ClusterProcesses.FreePort()}", "--primary", $"127.0.0.1:{decodeSilo}"]);
            await FabricWaits.WorkersAsync(fabric, prefill: 1, decode: 1, processes.Logs);
            await UntilDisaggregatedAsync(dynamo, processes.Logs);
            // Requests spread over a second, so the kill lands during some handoffs, before others, and the rest are sent
            // while the dead silo is still a member.
            var inFlight = prompts.Select(async (p, i) =>
            {
                await Task.Delay(180 * i);
                var id = DynamoClient.NewRequestId();
                try
                {
                    var tokens = new List<int>();
                    await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = p, MaxTokens = 8, Temperature = 0 }, id, CancellationToken.None))
                        tokens.AddRange(chunk.TokenIds);
                    return (Tokens: tokens.ToArray(), Status: (SequenceStatus?)await dynamo.GetStatusAsync(id), Error: (Exception?)null);
                }
                catch (Exception e)
                {
                    return (Tokens: Array.Empty<int>(), Status: (SequenceStatus?)null, Error: (Exception?)e);
                }
            }).ToArray();
            await Task.Delay(killAfter);
            prefill.Kill(); // SIGKILL
            var results = await Task.WhenAll(inFlight);
            for (int i = 0; i < prompts.Length; i++)
            {
                Assert.True(results[i].Error is null, $"kill after {killAfter} ms: request {i} failed: {results[i].Error}\n{processes.Logs()}");
                Assert.True(expected[i].AsEnumerable().SequenceEqual(results[i].Tokens),
                    $"kill after {killAfter} ms: request {i} ({results[i].Status}) gave {string.Join(',', results[i].Tokens)}, the engine alone {string.Join(',', expected[i])}");
            }
            tookPart += results.Count(r => r.Status!.Disaggregated || r.Status.Reroutes > 0);

            // Handoffs abandoned by the failed prefills release their reservations: the decode worker holds what it held before.
            await FabricWaits.WorkersAsync(fabric, prefill: 0, decode: 1, processes.Logs);
            var deadline = Stopwatch.StartNew();
            WorkerLoad load;
            while ((load = await decode.GetLoad()) is not { PendingHandoffs: 0, Running: 0, Waiting: 0 } || load.UsedBlocks != baseline)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(40), $"kill after {killAfter} ms: the decode worker still holds {load} (baseline {baseline} used blocks)");
                await Task.Delay(100);
            }
        }
        // An early kill may land before any request reaches the prefill host (routing already sees it silent); the
        // later ones land among handoffs.
        Assert.True(tookPart > 0, "no request ever reached the prefill host: the kills tested nothing");
        await host.StopAsync();
    }

    /// <summary>Until the front's router has seen the new prefill worker (its silo metadata arrives after membership).</summary>
    private static async Task UntilDisaggregatedAsync(DynamoClient dynamo, Func<string> logs)
    {
        var deadline = Stopwatch.StartNew();
        for (int salt = 0; ; salt++)
        {
            var id = DynamoClient.NewRequestId();
            await foreach (var _ in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = FabricWaits.Prompt(90 + salt % 50), MaxTokens = 1, Temperature = 0 }, id)) { }
            if ((await dynamo.GetStatusAsync(id)).Disaggregated) return;
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"the front never sent a prompt to the new prefill worker\n{logs()}");
            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
