using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dynamo.Orleans.Bench;
using Dynamo.Orleans.Grains.Routing;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Workers;

// The KV router's own costs, in one process with no cluster: how long one routing decision takes (matching a prompt's
// chained hashes against the index, then scoring every worker) with a large index, how fast event batches apply, and
// how much memory an indexed block costs. Results are written only with --out.
const string Usage = """
    Usage: dotnet run --project bench/Routing.Bench -c Release -- [options]
      --blocks N          (worker, block) pairs in the index (default 100000)
      --workers N         workers the blocks are spread over (default 4)
      --prompt-blocks N   blocks per indexed context and per routed prompt (default 128: a 2,048-token prompt)
      --block-size N      tokens per block (default 16)
      --decisions N       routing decisions measured (default 20000; half hit an indexed context, half miss)
      --out DIR           write routing-index.md and routing-index.json there (default: print only)
      --help              this text
    """;
int blocks = 100_000, workers = 4, promptBlocks = 128, blockSize = 16, decisions = 20_000;
string? output = null;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    int Positive(string option) => int.TryParse(Next(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
        ? n : throw new ArgumentException($"{option} needs a positive integer");
    switch (args[i])
    {
        case "--help" or "-h": Console.WriteLine(Usage); return 0;
        case "--blocks": blocks = Positive("--blocks"); break;
        case "--workers": workers = Positive("--workers"); break;
        case "--prompt-blocks": promptBlocks = Positive("--prompt-blocks"); break;
        case "--block-size": blockSize = Positive("--block-size"); break;
        case "--decisions": decisions = Positive("--decisions"); break;
        case "--out": output = Next(); break;
        default:
            Console.Error.WriteLine($"routing-bench: error: unknown option '{args[i]}'\n{Usage}");
            return 1;
    }
}
string command = "dotnet run --project bench/Routing.Bench -c Release -- " + string.Join(' ', args);
var random = new Random(7);
int contexts = Math.Max(1, blocks / promptBlocks);
int[] Tokens(int count) => Enumerable.Range(0, count).Select(_ => random.Next(1, 32_000)).ToArray();
var contextTokens = Enumerable.Range(0, contexts).Select(_ => Tokens(promptBlocks * blockSize + 1)).ToList();
var keys = Enumerable.Range(0, workers).Select(w => $"worker-{w}").ToArray();

// Build the index the way routers do: an empty dump per worker, then one event batch per stored context.
long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
var index = new KvIndex();
var nextEvent = new long[workers];
foreach (var key in keys) index.Load(key, new KvCacheDump(0, blockSize, int.MaxValue, []));
var applyClock = Stopwatch.StartNew();
long applied = 0;
for (int c = 0; c < contexts; c++)
{
    var chain = BlockHash.Chain(contextTokens[c], promptBlocks * blockSize, blockSize);
    var events = chain.Select((h, i) => new KvCacheEvent(KvCacheEventKind.Stored, h, i == 0 ? BlockHash.Root : chain[i - 1], blockSize)).ToArray();
    int w = c % workers;
    if (!index.Apply(keys[w], new KvCacheEventBatch(++nextEvent[w], events))) throw new InvalidOperationException("an in-order batch was refused");
    applied += events.Length;
}
applyClock.Stop();
long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
double bytesPerBlock = (double)(memoryAfter - memoryBefore) / index.BlockCount;

// Decisions: match, then Dynamo's cost for every worker under made-up loads (what WorkerRouter does once loads are in).
var loads = keys.Select(_ => (Pending: (long)random.Next(0, 64), Used: (long)random.Next(0, 2048))).ToArray();
var times = new List<double>(decisions);
int hits = 0;
for (int d = -1_000; d < decisions; d++) // the first thousand warm up the JIT and are not kept
{
    var prompt = d % 2 == 0 ? contextTokens[random.Next(contexts)] : Tokens(promptBlocks * blockSize + 1);
    long started = Stopwatch.GetTimestamp();
    var overlaps = index.Match(prompt, blockSize);
    string? best = null;
    double bestCost = double.MaxValue;
    int promptBlockCount = (prompt.Length + blockSize - 1) / blockSize;
    for (int w = 0; w < workers; w++)
    {
        double cost = KvRoutingCost.Of(1.0, loads[w].Pending, promptBlockCount, overlaps.GetValueOrDefault(keys[w]), loads[w].Used);
        if (cost < bestCost) { bestCost = cost; best = keys[w]; }
    }
    double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    if (d < 0) continue;
    times.Add(elapsed);
    if (overlaps.Count > 0 && best is not null) hits++;
}
times.Sort();
double p50 = Percentile.Of(times, 50), p99 = Percentile.Of(times, 99), max = times[^1];
var machine = MachineDescription.Current();
var summary = new
{
    command, date = DateTime.UtcNow, machine = machine.ToString(),
    indexed_blocks = index.BlockCount, workers, prompt_blocks = promptBlocks, block_size = blockSize, decisions,
    decision_p50_ms = p50 * 1e3, decision_p99_ms = p99 * 1e3, decision_max_ms = max * 1e3,
    decisions_with_overlap = hits,
    events_applied_per_second = applied / applyClock.Elapsed.TotalSeconds,
    bytes_per_indexed_block = bytesPerBlock,
    index_megabytes = (memoryAfter - memoryBefore) / 1024.0 / 1024.0,
    target_p99_ms = 1.0, target_met = p99 * 1e3 <= 1.0,
};
var text = new StringBuilder()
    .AppendLine("# KV router: decision time and index memory")
    .AppendLine()
    .AppendLine($"Command: `{command}`  ")
    .AppendLine($"Machine: {machine}  ")
    .AppendLine($"Date: {summary.date:yyyy-MM-dd HH:mm} UTC")
    .AppendLine()
    .AppendLine($"{index.BlockCount:N0} indexed blocks over {workers} workers ({contexts:N0} contexts of {promptBlocks} blocks of {blockSize} tokens); " +
                $"{decisions:N0} decisions for {promptBlocks * blockSize + 1}-token prompts, half of them indexed.")
    .AppendLine()
    .AppendLine("| measure | value |")
    .AppendLine("|---|---|")
    .AppendLine($"| decision time p50 | {p50 * 1e3:F4} ms |")
    .AppendLine($"| decision time p99 | {p99 * 1e3:F4} ms (target ≤ 1 ms: {(summary.target_met ? "met" : "NOT met")}) |")
    .AppendLine($"| decision time max | {max * 1e3:F4} ms |")
    .AppendLine($"| events applied | {summary.events_applied_per_second:N0} blocks/s |")
    .AppendLine($"| memory | {bytesPerBlock:F1} bytes per indexed block ({summary.index_megabytes:F1} MiB in all) |")
    .ToString();
Console.Write(text);
if (output is not null)
{
    Directory.CreateDirectory(output);
    File.WriteAllText(Path.Combine(output, "routing-index.md"), text);
    File.WriteAllText(Path.Combine(output, "routing-index.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    Console.WriteLine($"written: {Path.Combine(output, "routing-index.md")}, routing-index.json");
}
return 0;
