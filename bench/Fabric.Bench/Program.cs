using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dynamo.Orleans;
using Dynamo.Orleans.Bench;
using Dynamo.Orleans.Client;
using Dynamo.Orleans.Grains.Hosting;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Transfer;
using Dynamo.Orleans.Workers;
using Orleans.TestingHost;

// The fabric's own costs, in one run: KV handoff latency (prefill finished → first decode token) per transport, and
// one stream's tokens/s through disaggregated serving beside the same engine alone.
const string Usage = """
    Usage: dotnet run --project bench/Fabric.Bench -c Release -- [options]
      --layers N     model layers (default 2)
      --requests N   handoffs measured per transport (default 40)
      --prompt N     prompt tokens (default 256)
      --tokens N     tokens of the one-stream measurement (default 64)
      --out DIR      write fabric.json and fabric.md there (default: print only)
      --help         this text
    """;
int layers = 2, requests = 40, promptLength = 256, tokens = 64;
string? output = null;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    int Positive(string option) => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
        ? n : throw new ArgumentException($"{option} needs a positive integer");
    try
    {
        switch (args[i])
        {
            case "--help" or "-h": Console.WriteLine(Usage); return 0;
            case "--layers": layers = Positive("--layers"); break;
            case "--requests": requests = Positive("--requests"); break;
            case "--prompt": promptLength = Positive("--prompt"); break;
            case "--tokens": tokens = Positive("--tokens"); break;
            case "--out": output = Next(); break;
            default: throw new ArgumentException($"unknown option '{args[i]}'");
        }
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"fabric-bench: error: {e.Message}\n{Usage}");
        return 1;
    }
}
string command = "dotnet run --project bench/Fabric.Bench -c Release -- " + string.Join(' ', args);
var model = Path.Combine(Path.GetTempPath(), $"dynamo-fabric-bench-{layers}l");
if (!File.Exists(Path.Combine(model, "config.json")))
    SyntheticModelFolder.Write(model, SyntheticModelOptions.TinyLlamaShaped(layers) with { Seed = 5 });
Console.WriteLine($"model: TinyLlama-shaped, {layers} layers, bf16; {requests} requests of {promptLength} prompt tokens");

// Baseline: the engine alone, one stream.
double aloneTokensPerSecond;
using (var runtime = ModelRuntime.Load(new EngineOptions { Model = model, Threads = 1 }))
{
    var prompt = Prompt(promptLength, 0);
    await runtime.Engine.GenerateAsync(prompt, SamplingParams.Greedy(8) with { IgnoreEos = true }); // warm-up
    var handle = runtime.Engine.Submit(Prompt(promptLength, 1), SamplingParams.Greedy(tokens) with { IgnoreEos = true });
    await handle.Tokens.ReadAsync();
    var clock = Stopwatch.StartNew();
    int n = 0;
    await foreach (var _ in handle.ReadAllAsync()) n++;
    aloneTokensPerSecond = n / clock.Elapsed.TotalSeconds;
}
Console.WriteLine($"engine alone: {aloneTokensPerSecond:F1} tok/s (one stream, after its first token)");

// The stream's share of a handoff: the decode workers record each handle's publish → delivery time.
var deliveries = new List<double>();
using var listener = new System.Diagnostics.Metrics.MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Name == "dynamo_kv_handle_delivery_seconds") l.EnableMeasurementEvents(instrument);
};
listener.SetMeasurementEventCallback<double>((_, value, _, _) => { lock (deliveries) deliveries.Add(value); });
listener.Start();

var rows = new List<Dictionary<string, object>>();
double fabricTokensPerSecond = 0;
foreach (var transport in new[] { KvTransportKind.InProcess, KvTransportKind.SharedMemory, KvTransportKind.Tcp })
{
    var builder = new InProcessTestClusterBuilder(3);
    builder.Options.ConfigureFileLogging = false;
    builder.ConfigureSilo((options, silo) => silo.AddDynamoFabric(fabric =>
    {
        fabric.Roles = options.SiloName switch { "Silo_0" => WorkerRole.None, "Silo_1" => WorkerRole.Prefill, _ => WorkerRole.Decode };
        fabric.Engine = new EngineOptions { Model = model, Threads = 1, KvCacheBlocks = 1024 };
        fabric.DisaggregationThreshold = 1;
    }, kv => kv.ForceTransport = transport));
    var cluster = builder.Build();
    await cluster.DeployAsync();
    var dynamo = cluster.Client.Dynamo();
    await dynamo.CompleteAsync(new GenerateRequest { PromptTokenIds = Prompt(promptLength, 2), MaxTokens = 4, Temperature = 0 }); // warm-up
    var handoffs = new List<double>();
    lock (deliveries) deliveries.Clear();
    for (int r = 0; r < requests; r++)
    {
        var id = DynamoClient.NewRequestId();
        await foreach (var _ in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = Prompt(promptLength, 10 + r), MaxTokens = 2, Temperature = 0, IgnoreEos = true }, id)) { }
        var status = await dynamo.GetStatusAsync(id);
        if (status.KvTransport != transport || status.HandoffSeconds is null)
            throw new InvalidOperationException($"request {id} was not handed off over {transport}: {status}");
        handoffs.Add(status.HandoffSeconds.Value);
    }
    handoffs.Sort();
    double p50 = Percentile.Of(handoffs, 50), p99 = Percentile.Of(handoffs, 99);
    Console.WriteLine($"handoff over {transport,-12}: p50 {p50 * 1000:F1} ms  p99 {p99 * 1000:F1} ms");
    double stepMs = 1000 / aloneTokensPerSecond;
    List<double> delivered;
    lock (deliveries) delivered = deliveries.Order().ToList();
    double d50 = Percentile.Of(delivered, 50), d99 = Percentile.Of(delivered, 99);
    Console.WriteLine($"  stream delivery of handles: p50 {d50 * 1000:F2} ms  p99 {d99 * 1000:F2} ms ({delivered.Count} handles)");
    rows.Add(new()
    {
        ["transport"] = transport.ToString(), ["handoff_p50_ms"] = p50 * 1000, ["handoff_p99_ms"] = p99 * 1000,
        ["handoff_p50_minus_one_decode_step_ms"] = p50 * 1000 - stepMs, ["requests"] = requests,
        ["stream_delivery_p50_ms"] = d50 * 1000, ["stream_delivery_p99_ms"] = d99 * 1000
    });

    if (transport == KvTransportKind.InProcess)
    {
        // One stream through the fabric, clocked like the baseline: from its first token to its last.
        var clock = new Stopwatch();
        int n = 0;
        await foreach (var chunk in dynamo.GenerateAsync(new GenerateRequest { PromptTokenIds = Prompt(promptLength, 1), MaxTokens = tokens, Temperature = 0, IgnoreEos = true }))
        {
            if (n++ == 0) clock.Start();
        }
        fabricTokensPerSecond = (n - 1) / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"through the fabric: {fabricTokensPerSecond:F1} tok/s → {fabricTokensPerSecond / aloneTokensPerSecond:F3} of the engine alone (target ≥ 0.9)");
    }
    await cluster.DisposeAsync();
}

if (output is null)
{
    Console.WriteLine("(not written: give --out DIR to record the results)");
    return 0;
}
Directory.CreateDirectory(output);
var machine = MachineDescription.Current().ToString();
File.WriteAllText(Path.Combine(output, "fabric.json"), JsonSerializer.Serialize(new Dictionary<string, object>
{
    ["command"] = command, ["date"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture), ["machine"] = machine,
    ["model"] = $"TinyLlama-shaped, {layers} layers, bf16", ["prompt_tokens"] = promptLength,
    ["handoff"] = rows, ["engine_alone_tokens_per_s"] = aloneTokensPerSecond, ["fabric_tokens_per_s"] = fabricTokensPerSecond,
    ["fabric_vs_engine_alone"] = fabricTokensPerSecond / aloneTokensPerSecond,
}, new JsonSerializerOptions { WriteIndented = true }));
var md = new StringBuilder();
md.AppendLine("# Fabric benchmark: KV handoff and one stream through the fabric").AppendLine();
md.AppendLine($"- Command: `{command}`");
md.AppendLine($"- Machine: {machine}");
md.AppendLine($"- Cluster: three silos in one process (front end, prefill, decode), real Orleans messaging; model TinyLlama-shaped, {layers} layers, bf16; prompts of {promptLength} tokens");
md.AppendLine("- Handoff latency = prefill worker returned the first token → the decode worker's first token reached the sequence grain (includes one decode step).").AppendLine();
md.AppendLine($"- One decode step of the engine alone: {1000 / aloneTokensPerSecond:F1} ms (the last column removes it).").AppendLine();
md.AppendLine("- Stream delivery = a handle published on the \"kv-pages\" memory stream (poll period 2 ms) → delivered to the decode worker.").AppendLine();
md.AppendLine("| transport | handoff p50 (ms) | handoff p99 (ms) | p50 minus one decode step (ms) | stream delivery p50 / p99 (ms) | requests |").AppendLine("|---|---|---|---|---|---|");
foreach (var r in rows)
    md.AppendLine($"| {r["transport"]} | {(double)r["handoff_p50_ms"]:F1} | {(double)r["handoff_p99_ms"]:F1} | {(double)r["handoff_p50_minus_one_decode_step_ms"]:F1} | " +
                  $"{(double)r["stream_delivery_p50_ms"]:F2} / {(double)r["stream_delivery_p99_ms"]:F2} | {r["requests"]} |");
md.AppendLine().AppendLine("| one stream | tokens/s |").AppendLine("|---|---|");
md.AppendLine($"| engine alone | {aloneTokensPerSecond:F1} |");
md.AppendLine($"| through the fabric (disaggregated, in-process transport) | {fabricTokensPerSecond:F1} |");
md.AppendLine($"| ratio (target ≥ 0.9) | {fabricTokensPerSecond / aloneTokensPerSecond:F3} |");
md.AppendLine().AppendLine("KV transfer bandwidth of each transport beside a raw loopback socket and a memcpy, measured in one run: see transport.md.");
File.WriteAllText(Path.Combine(output, "fabric.md"), md.ToString());
return 0;

static int[] Prompt(int length, int salt) => Enumerable.Range(0, length).Select(i => (i * 7919 + salt * 104729) % 50000).ToArray();

