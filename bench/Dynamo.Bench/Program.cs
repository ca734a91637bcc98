using System.CommandLine;
using Dynamo.Orleans.Bench.Commands;

// dynamo-bench: a genai-perf-style load generator for the OpenAI-compatible gateway, and a comparison of deployments
// that it starts itself. `quick` is compare with a tiny model and a small mixed workload: CI runs it to prove that every
// deployment serves every request in full; it never judges timings.
var quickDefaults = new[]
{
    "--model", "tiny", "--workload", "mixed", "--concurrency", "4", "--input-tokens", "16", "--output-tokens", "24",
    "--long-input-tokens", "uniform:200-400", "--long-output-tokens", "8", "--long-rate", "2", "--requests", "6", "--warmup", "1",
    "--max-point-seconds", "60", "--start-timeout-seconds", "60", "--name", "quick", "--no-plots",
};
bool quick = args.Length > 0 && args[0] == "quick";
var effective = quick ? ["compare", .. quickDefaults, .. args[1..]] : args;
if (quick && !args.Contains("--out")) effective = [.. effective, "--out", Path.Combine(Path.GetTempPath(), "dynamo-bench-quick")];

var root = new RootCommand("dynamo-bench: load generator and deployment comparison for Dynamo.Orleans")
{
    RunCommand.Create(effective),
    CompareCommand.Create("compare", "Start each deployment, run the same workload on it, compare.", effective),
    ModelCommand.Create(),
};
if (quick) Console.Error.WriteLine($"dynamo-bench quick: {string.Join(' ', effective)}");
else root.Subcommands.Add(new Command("quick", "compare with the tiny model and a small mixed workload (CI); extra options override"));
return await root.Parse(effective).InvokeAsync();
