using System.Diagnostics;
using Dynamo.Orleans.Client;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Silo.Clustering;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// The silo that owns a request (its sequence grain) dies mid-stream: separate processes found through Redis — a
/// front silo holding the sequence grains and a decode silo — and an Orleans client. The model is large enough that
/// the 4,000-token stream would run far longer than membership takes to declare the front dead.
/// </summary>
public sealed class OwnerDeathTests : IDisposable
{
    private const int MaxTokens = 4000;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-owner-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;

    public OwnerDeathTests()
    {
        _model = Path.Combine(_root, "slow-llama");
        SyntheticModelFolder.Write(_model, SyntheticModelOptions.Tiny with
        {
            Seed = 53, NumLayers = 8, HiddenSize = 512, IntermediateSize = 1536, MaxPositionEmbeddings = 4096,
        });
    }

    [SkippableFact]
    public async Task When_the_owner_silo_dies_the_client_gets_an_error_promptly_and_the_decode_worker_frees_the_sequence()
    {
        Skip.If(RedisServer.Executable is null, "redis-server is not installed: apt-get install -y redis-server (.ci/run installs it)");
        using var redis = await RedisServer.StartAsync();
        string cluster = "owner-" + Guid.NewGuid().ToString("N")[..8];
        string[] common = ["--clustering", redis.Url, "--advertise-address", "127.0.0.1", "--cluster-id", cluster, "--model", _model,
                           "--dtype", "float32", "--threads", "1", "--http-port", "0"];
        await using var processes = new ClusterProcesses();
        var front = await processes.StartAsync(_root, [.. common, "--role", "none", .. Ports()]);
        await processes.StartAsync(_root, [.. common, "--role", "decode", .. Ports()]);

        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client => client.UseDynamoMembership(Membership.Parse(redis.Url), cluster, [], null).AddDynamoClient());
        using var host = builder.Build();
        await host.StartAsync();
        var dynamo = host.Services.GetRequiredService<DynamoClient>();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        var fabric = grains.GetGrain<IFabricStatusGrain>(0);
        await FabricWaits.WorkersAsync(fabric, prefill: 0, decode: 1, processes.Logs);
        var decode = grains.GetGrain<IDecodeWorkerGrain>((await fabric.GetStatus()).DecodeWorkers.Single().WorkerId);
        var before = await decode.GetLoad();

        var request = new GenerateRequest { PromptTokenIds = FabricWaits.Prompt(20), MaxTokens = MaxTokens, Temperature = 0, IgnoreEos = true };
        int received = 0;
        Stopwatch? sinceKill = null;
        var failure = await Record.ExceptionAsync(async () =>
        {
            await foreach (var chunk in dynamo.GenerateAsync(request))
            {
                received += chunk.TokenIds.Count;
                if (sinceKill is null && received >= 5)
                {
                    front.Kill(); // SIGKILL: the sequence grain dies with it
                    sinceKill = Stopwatch.StartNew();
                }
            }
        });
        Assert.True(failure is not null, $"the stream ended normally after {received} tokens although its owner died");
        Assert.True(sinceKill!.Elapsed < TimeSpan.FromSeconds(30), $"the client learned of the dead owner only after {sinceKill.Elapsed}");

        // Membership declared the front dead (that is what ended the client's call): the decode worker cancels the
        // orphaned sequence and frees its blocks without waiting for its 4,000 tokens.
        WorkerLoad load;
        while ((load = await decode.GetLoad()) is not { Running: 0, Waiting: 0 } || load.UsedBlocks != before.UsedBlocks)
        {
            Assert.True(sinceKill.Elapsed < TimeSpan.FromSeconds(45), $"the decode worker still runs the dead owner's sequence: {load}\n{processes.Logs()}");
            await Task.Delay(100);
        }
        Assert.True(load.GeneratedTokens - before.GeneratedTokens < MaxTokens,
            $"the orphaned sequence ran to its end ({load.GeneratedTokens - before.GeneratedTokens} tokens): nothing cancelled it");
        await host.StopAsync();

        static string[] Ports() => ["--silo-port", $"{ClusterProcesses.FreePort()}", "--gateway-port", $"{ClusterProcesses.FreePort()}"];
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
