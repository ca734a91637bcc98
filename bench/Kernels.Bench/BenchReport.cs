using System.Globalization;
using System.Text;
using System.Text.Json;
using Dynamo.Orleans.Bench;
using Dynamo.Orleans.Kernels.Checkpoints;

namespace Dynamo.Orleans.Kernels.Bench;

/// <summary>Writes the run as JSON (machine-readable) and Markdown (for people) under the output folder.</summary>
internal static class BenchReport
{
    public static void Write(BenchArguments a, ModelConfig config, int threads, double weightBytes, double bandwidth, double floorMs,
                             List<Dictionary<string, object>> results, Dictionary<string, object> summary)
    {
        Directory.CreateDirectory(a.Output!);
        var machine = MachineDescription.Current().ToString();
        var json = new Dictionary<string, object>
        {
            ["command"] = a.CommandLine, ["date"] = DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture), ["machine"] = machine,
            ["threads"] = threads, ["model"] = $"TinyLlama-shaped, {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, bf16",
            ["weight_bytes"] = weightBytes, ["read_bandwidth_bytes_per_s"] = bandwidth, ["batch1_floor_ms"] = floorMs,
            ["results"] = results, ["summary"] = summary,
        };
        File.WriteAllText(Path.Combine(a.Output!, "kernels.json"),
            System.Text.Json.JsonSerializer.Serialize(json, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));

        var md = new StringBuilder();
        md.AppendLine("# Model runtime benchmark (engine vs bare loop)").AppendLine();
        md.AppendLine($"- Command: `{a.CommandLine}`");
        md.AppendLine($"- Date: {json["date"]}; machine: {machine}; {threads} compute threads");
        md.AppendLine($"- Model: {json["model"]}, random weights, {weightBytes / 1e6:F0} MB of weights");
        md.AppendLine($"- Read bandwidth measured in this run: {bandwidth / 1e9:F1} GB/s → batch-1 step floor {floorMs:F2} ms").AppendLine();
        md.AppendLine("| phase | batch / tokens | engine tok/s | bare loop tok/s | engine ms/step | bare ms/step | engine / bare |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            bool decode = (string)r["phase"] == "decode";
            md.AppendLine($"| {r["phase"]} | {(decode ? r["batch"] : r["tokens"])} | {(double)r["engine_tokens_per_s"]:F1} | {(double)r["bare_tokens_per_s"]:F1} | " +
                          $"{(decode ? ((double)r["engine_step_ms"]).ToString("F2", CultureInfo.InvariantCulture) : "")} | " +
                          $"{(decode ? ((double)r["bare_step_ms"]).ToString("F2", CultureInfo.InvariantCulture) : "")} | {(double)r["ratio"]:F3} |");
        }
        md.AppendLine().AppendLine("| target | measured | goal |").AppendLine("|---|---|---|");
        md.AppendLine($"| engine / bare loop, batch 1 | {(double)summary["engine_vs_bare_batch1"]:F3} | ≥ 0.9 |");
        md.AppendLine($"| batch 32 tok/s ÷ batch 1 tok/s | {(double)summary["batch32_vs_batch1_tokens_per_s"]:F2} | ≥ 3 |");
        md.AppendLine($"| batch-1 step ÷ bandwidth floor | {(double)summary["batch1_step_vs_bandwidth_floor"]:F2} | ≤ 1.35 |");
        File.WriteAllText(Path.Combine(a.Output!, "kernels.md"), md.ToString());
    }
}
