using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Diagnostics;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Runtime;
using Dynamo.Orleans.Kernels.Sampling;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>
/// <c>dynamo check handoff</c>: a disaggregated handoff between two processes through the producer's registered KV pool
/// (shared memory on the CPU, CUDA IPC on a GPU), compared with one engine. This process starts a second <c>dynamo</c>
/// as the producer (<c>check handoff-producer</c>): it prefills with an export plan, prints a <see cref="PoolHandoffOffer"/>
/// as one JSON line and keeps the blocks pinned until told "done" on stdin. This process maps the producer's pool, copies
/// each layer group into its own reserved blocks, commits, decodes, and compares the ids with its own engine alone.
/// </summary>
internal static class HandoffCheck
{
    private const string ProducerName = "handoff-producer";
    private static readonly TimeSpan ProducerTimeout = TimeSpan.FromMinutes(2);

    public static Command Create()
    {
        var options = new ModelOptions();
        var tokens = new Option<int>("--tokens") { Description = "tokens to generate", DefaultValueFactory = _ => 16 };
        var command = new Command("handoff",
            "Hand a prefilled sequence from a second dynamo process to this one through the producer's registered KV pool (CUDA IPC on cuda, " +
            "shared memory on cpu) and compare the ids with one engine: one PASS or FAIL line (exit 1 on FAIL).")
        {
            options.Device, options.LibTorch, tokens,
        };
        command.SetAction((result, cancellationToken) => CommandErrors.Run(async () =>
        {
            LibTorchLocation.Use(result.GetValue(options.LibTorch));
            var device = result.GetValue(options.Device)!;
            int count = result.GetValue(tokens);
            var folder = Path.Combine(Path.GetTempPath(), $"dynamo-handoff-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
            SyntheticModelFolder.Write(folder, DeviceInvariants.Model);
            try
            {
                var (passed, line) = await RunAsync(folder, device, count, cancellationToken);
                Console.WriteLine($"{(passed ? "PASS" : "FAIL")} handoff between two processes on {device}: {line}");
                return passed ? 0 : 1;
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }));
        return command;
    }

    /// <summary>The producer half, started by <c>check handoff</c> (hidden: not for people to run).</summary>
    public static Command CreateProducer()
    {
        var options = new ModelOptions();
        var tokens = new Option<int>("--tokens") { DefaultValueFactory = _ => 16 };
        var command = new Command(ProducerName, "The producer half of 'dynamo check handoff'.")
        {
            options.Model, options.Device, options.LibTorch, tokens,
        };
        command.Hidden = true;
        command.SetAction((result, cancellationToken) => CommandErrors.Run(async () =>
        {
            LibTorchLocation.Use(result.GetValue(options.LibTorch));
            using var runtime = ModelRuntime.Load(EngineOptionsFor(result.GetValue(options.Model)!, result.GetValue(options.Device)!));
            var engine = runtime.Engine;
            if (engine.Pool.Kind == KvPoolKind.Private)
                throw new InvalidOperationException($"the KV pool is not registered, so no other process can map it: {engine.PoolFallback}");
            var prefilled = await PoolHandoff.PrefillAsync(engine, Prompt, Parameters(result.GetValue(tokens)), LayerGroupSize, cancellationToken);
            try
            {
                Console.Out.WriteLine(PoolHandoffOffer.From(prefilled, engine.Pool).ToJson());
                Console.Out.Flush();
                // The blocks stay pinned until the consumer has copied them: it says "done" (or closes the pipe).
                while (await Console.In.ReadLineAsync(cancellationToken) is { } line && line.Trim() != "done") { }
            }
            finally
            {
                prefilled.Release();
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Prompt and layer groups: 13 tokens over blocks of 4 (four blocks, the last part full), one layer per group.</summary>
    private static readonly int[] Prompt = [15, 87, 3, 44, 901, 12, 7, 260, 31, 5, 1999, 64, 8];
    private const int LayerGroupSize = 1;

    private static SamplingParams Parameters(int tokens) => SamplingParams.Greedy(tokens) with { Seed = 20261201, IgnoreEos = true };

    /// <summary>The same engine in both processes: the check model in float32, small blocks, the pool registered (the default).</summary>
    private static EngineOptions EngineOptionsFor(string model, string device) => new()
    {
        Model = model, Device = device, DType = "float32", BlockSize = 4, KvCacheBlocks = 64, Threads = 1,
    };

    private static async Task<(bool Passed, string Line)> RunAsync(string folder, string device, int tokens, CancellationToken cancellationToken)
    {
        using var producer = StartProducer(folder, device, tokens);
        var stderr = producer.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            using var runtime = ModelRuntime.Load(EngineOptionsFor(folder, device));
            var engine = runtime.Engine;
            var alone = (await engine.GenerateAsync(Prompt, Parameters(tokens), cancellationToken)).Tokens.Select(t => t.TokenId).ToArray();

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ProducerTimeout);
            // The offer is the producer's one JSON line; anything a library printed before it is passed over.
            var line = await producer.StandardOutput.ReadLineAsync(timeout.Token);
            while (line is not null && !line.StartsWith('{')) line = await producer.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                await producer.WaitForExitAsync(timeout.Token);
                return (false, $"the producer exited ({producer.ExitCode}) without an offer: {LastLine(await stderr)}");
            }
            var offer = PoolHandoffOffer.Parse(line);
            var (ids, bytes) = await offer.ContinueInAsync(engine, cancellationToken);
            await producer.StandardInput.WriteLineAsync("done");
            await producer.StandardInput.FlushAsync(cancellationToken);
            await producer.WaitForExitAsync(timeout.Token);
            if (producer.ExitCode != 0) return (false, $"the producer exited with {producer.ExitCode}: {LastLine(await stderr)}");

            int blocks = offer.Groups.Count == 0 ? 0 : offer.Groups[0].Blocks.Count;
            string how = $"{offer.Kind} pool, {offer.Groups.Count} layer groups of {blocks} blocks, {bytes:N0} bytes copied";
            var result = InvariantResult.SameIds("handoff", alone, ids, how);
            return (result.Passed, result.Passed ? $"{ids.Count} ids identical to one engine ({how})" : result.Detail);
        }
        finally
        {
            if (!producer.HasExited) producer.Kill();
        }
    }

    /// <summary>This same executable as a child: the apphost directly, or <c>dotnet dynamo.dll</c> when run through the host.</summary>
    private static Process StartProducer(string folder, string device, int tokens)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable this process runs");
        var info = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(typeof(HandoffCheck).Assembly.Location);
        string[] arguments =
            ["check", ProducerName, "--model", folder, "--device", device, "--tokens", tokens.ToString(CultureInfo.InvariantCulture)];
        foreach (var a in arguments) info.ArgumentList.Add(a);
        if (LibTorchLocation.Directory is { } libtorch)
        {
            info.ArgumentList.Add("--libtorch");
            info.ArgumentList.Add(libtorch);
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {host}");
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(nothing on stderr)";
}
