using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dynamo.Orleans.Bench.Metrics;

namespace Dynamo.Orleans.Bench.Reports;

/// <summary>
/// Writes a result as <c>NAME.json</c> (machine-readable; schema <see cref="Schema"/>) and <c>NAME.md</c> (for people:
/// the command, the machine, one row per deployment and concurrency, per-class rows, and the comparison ratios).
/// </summary>
public static class ServingReport
{
    public const string Schema = "dynamo-bench/serving/v1";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static (string Json, string Markdown) Write(ServingResult result, string folder, string name) =>
        ReportFiles.Write(ToJson(result), ToMarkdown(result), folder, name);

    public static JsonObject ToJson(ServingResult r) => new()
    {
        ["schema"] = Schema,
        ["command"] = r.Command,
        ["date_utc"] = r.DateUtc.ToString("u", CultureInfo.InvariantCulture),
        ["machine"] = JsonSerializer.SerializeToNode(r.Machine, Json),
        ["model"] = r.Model,
        ["workload"] = r.Workload,
        ["sla"] = new JsonObject { ["max_ttft_s"] = r.Sla.MaxTtftS, ["max_mean_itl_s"] = r.Sla.MaxMeanItlS, ["text"] = r.Sla.ToString() },
        ["definitions"] = new JsonObject
        {
            ["ttft"] = "request start to the first streamed chunk with generated text",
            ["mean_itl"] = "per request: (end-to-end − TTFT) / (output tokens − 1), as genai-perf; percentiles are over requests",
            ["chunk_gap"] = "every gap between consecutive streamed chunks of every request; its tail shows decode stalls",
            ["goodput"] = "requests per second that completed in full and met the SLA",
            ["tokens_per_s_per_worker"] = "output tokens/s divided by the deployment's worker cores",
            ["tokens_per_s_per_user"] = "mean over requests of 1 / mean ITL",
            ["percentiles"] = "linear interpolation between closest ranks (numpy default)",
        },
        ["deployments"] = JsonSerializer.SerializeToNode(r.Deployments, Json),
        ["points"] = new JsonArray(r.Points.Select(p => (JsonNode)new JsonObject
        {
            ["deployment"] = p.Deployment,
            ["concurrency"] = p.Concurrency,
            ["worker_cores"] = p.WorkerCores,
            ["summary"] = JsonSerializer.SerializeToNode(p.Summary, Json),
            ["classes"] = new JsonObject(p.Classes.Select(c => KeyValuePair.Create(c.Key, JsonSerializer.SerializeToNode(c.Value, Json)))),
        }).ToArray()),
        ["comparisons"] = new JsonArray(r.Comparisons.Select(c =>
        {
            var node = JsonSerializer.SerializeToNode(c, Json)!.AsObject();
            node["targets"] = new JsonObject
            {
                ["p99_itl_ratio_at_most"] = DeploymentComparison.ItlTarget,
                ["throughput_within"] = DeploymentComparison.ThroughputTolerance,
                ["goodput_ratio_at_least"] = DeploymentComparison.GoodputTarget,
            };
            return (JsonNode)node;
        }).ToArray()),
        ["notes"] = new JsonArray(r.Notes.Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
    };

    public static string ToMarkdown(ServingResult r)
    {
        var md = new StringBuilder();
        md.AppendLine("# Serving benchmark").AppendLine();
        md.AppendLine($"- Command: `{r.Command}` (from the repository root)");
        md.AppendLine($"- Date (UTC): {r.DateUtc.ToString("u", CultureInfo.InvariantCulture)}");
        md.AppendLine($"- Machine: {r.Machine}");
        md.AppendLine($"- Model: {r.Model}");
        md.AppendLine($"- Workload: {r.Workload}");
        md.AppendLine($"- SLA for goodput: {r.Sla}");
        foreach (var d in r.Deployments) md.AppendLine($"- **{d.Name}**: {d.Description}");
        md.AppendLine();
        md.AppendLine("Latencies in ms. ITL = mean inter-token latency of a request (genai-perf's definition), percentiles over requests; " +
                      "gap = every gap between streamed chunks, percentiles over all gaps. Tokens/s per worker = output tokens/s ÷ worker cores.");
        md.AppendLine();
        md.AppendLine("| deployment | concurrency | ok / requests | req/s | output tok/s | tok/s per worker | tok/s per user | TTFT p50 | TTFT p90 | TTFT p99 | ITL p50 | ITL p90 | ITL p99 | gap p99 | E2E p50 (s) | E2E p99 (s) | goodput req/s |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var p in r.Points) md.AppendLine(Row(p.Deployment, p.Concurrency, p.Summary));
        if (r.Points.Any(p => p.Classes.Count > 1))
        {
            md.AppendLine().AppendLine("Per traffic class:").AppendLine();
            md.AppendLine("| deployment | concurrency | class | ok / requests | req/s | output tok/s | tok/s per worker | tok/s per user | TTFT p50 | TTFT p90 | TTFT p99 | ITL p50 | ITL p90 | ITL p99 | gap p99 | E2E p50 (s) | E2E p99 (s) | goodput req/s |");
            md.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var p in r.Points)
                foreach (var (name, s) in p.Classes)
                    md.AppendLine(Row($"{p.Deployment} | {p.Concurrency} | {name}", null, s));
        }
        if (r.Comparisons.Count > 0)
        {
            md.AppendLine().AppendLine("Ratios (candidate ÷ baseline; targets: p99 ITL ≤ 0.5× at equal throughput ±10 %, goodput ≥ 1.3×). " +
                                       "\"At equal tok/s\": the candidate's p99 read off its own sweep at the baseline's output tokens/s (linear between the bracketing points; – when outside its range).").AppendLine();
            md.AppendLine("| candidate ÷ baseline | concurrency | p99 ITL | p99 gap | p99 TTFT | output tok/s | goodput | p99 ITL at equal tok/s | p99 gap at equal tok/s | ITL target | goodput target |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
            foreach (var c in r.Comparisons)
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {c.Candidate} ÷ {c.Baseline} | {c.Concurrency} | {Num(c.P99MeanItlRatio)} | {Num(c.P99ChunkGapRatio)} | {Num(c.P99TtftRatio)} | {c.OutputThroughputRatio:F2} | {Num(c.GoodputRatio)} | " +
                    $"{Num(c.P99MeanItlRatioAtEqualThroughput)} | {Num(c.P99ChunkGapRatioAtEqualThroughput)} | " +
                    $"{(c.ItlTargetMet ? "met" : "not met")} | {(c.GoodputTargetMet ? "met" : "not met")} |"));
        }
        if (r.Notes.Count > 0)
        {
            md.AppendLine().AppendLine("Notes:").AppendLine();
            foreach (var n in r.Notes) md.AppendLine($"- {n}");
        }
        return md.ToString();
    }

    private static string Row(string first, int? concurrency, RunSummary s) => string.Create(CultureInfo.InvariantCulture,
        $"| {first}{(concurrency is { } c ? $" | {c}" : "")} | {s.Succeeded} / {s.Requests} | {s.RequestsPerS:F2} | {s.OutputTokensPerS:F1} | {s.OutputTokensPerSPerWorker:F1} | {s.OutputTokensPerSPerUser:F1} | " +
        $"{Ms(s.TtftS?.P50)} | {Ms(s.TtftS?.P90)} | {Ms(s.TtftS?.P99)} | {Ms(s.MeanItlS?.P50)} | {Ms(s.MeanItlS?.P90)} | {Ms(s.MeanItlS?.P99)} | {Ms(s.ChunkGapS?.P99)} | " +
        $"{Sec(s.E2eS?.P50)} | {Sec(s.E2eS?.P99)} | {s.GoodputRequestsPerS:F3} ({s.GoodRequests}) |");

    private static string Ms(double? seconds) => seconds is { } v ? (v * 1000).ToString("F1", CultureInfo.InvariantCulture) : "–";
    private static string Sec(double? seconds) => seconds is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "–";
    private static string Num(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "–";
}
