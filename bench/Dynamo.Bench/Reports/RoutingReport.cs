using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Bench.Reports;

/// <summary>
/// Writes a routing result as <c>NAME.json</c> (machine-readable; schema <see cref="Schema"/>; its <c>comparisons</c>
/// entries carry <c>candidate</c>, <c>baseline</c>, <c>ttft_p50_ratio</c>, <c>ttft_p99_ratio</c>,
/// <c>output_throughput_ratio</c>, <c>prefix_hit_rate_candidate</c> and <c>prefix_hit_rate_baseline</c>) and
/// <c>NAME.md</c> (for people: the command, the machine, one row per router mode, the comparisons and their targets).
/// </summary>
public static class RoutingReport
{
    public const string Schema = "dynamo-bench/routing/v1";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static (string Json, string Markdown) Write(RoutingResult result, string folder, string name) =>
        ReportFiles.Write(ToJson(result), ToMarkdown(result), folder, name);

    public static JsonObject ToJson(RoutingResult r) => new()
    {
        ["schema"] = Schema,
        ["command"] = r.Command,
        ["date_utc"] = r.DateUtc.ToString("u", CultureInfo.InvariantCulture),
        ["machine"] = JsonSerializer.SerializeToNode(r.Machine, Json),
        ["model"] = r.Model,
        ["workload"] = r.Workload,
        ["kv_cache"] = r.KvCache,
        ["definitions"] = new JsonObject
        {
            ["ttft"] = "request start (after the user's think time) to the first streamed chunk with generated text",
            ["prefix_hit_rate"] = "Σ usage.prompt_tokens_details.cached_tokens ÷ Σ prompt tokens over measured, completed requests",
            ["follow_up_hit"] = $"a turn ≥ 1 whose cached tokens reach the previous turn's prompt rounded down to {Metrics.PrefixCacheStats.DefaultBlockTokens}-token blocks, minus one block",
            ["ratios"] = "candidate ÷ baseline",
            ["equal_throughput"] = $"the candidate's output tokens/s at least {1 - RoutingComparison.ThroughputTolerance:0.##}× the baseline's",
            ["percentiles"] = "linear interpolation between closest ranks (numpy default)",
            ["other_cpu_cores"] = "cores the machine spent on processes other than the benchmark and the deployment, on average over the measured run",
        },
        ["deployments"] = JsonSerializer.SerializeToNode(r.Deployments, Json),
        ["runs"] = new JsonArray(r.Runs.Select(run => (JsonNode)new JsonObject
        {
            ["mode"] = run.Mode,
            ["lost"] = run.Lost,
            ["other_cpu_cores"] = run.OtherCpuCores,
            ["summary"] = JsonSerializer.SerializeToNode(run.Summary, Json),
            ["prefix_cache"] = new JsonObject
            {
                ["requests"] = run.Cache.Requests,
                ["prompt_tokens"] = run.Cache.PromptTokens,
                ["cached_tokens"] = run.Cache.CachedTokens,
                ["hit_rate"] = run.Cache.HitRate,
                ["follow_ups"] = run.Cache.FollowUps,
                ["follow_up_hits"] = run.Cache.FollowUpHits,
                ["follow_up_hit_rate"] = run.Cache.FollowUpHitRate,
            },
        }).ToArray()),
        ["comparisons"] = new JsonArray(r.Comparisons.Select(c => (JsonNode)new JsonObject
        {
            ["candidate"] = c.Candidate,
            ["baseline"] = c.Baseline,
            ["ttft_p50_ratio"] = c.TtftP50Ratio,
            ["ttft_p99_ratio"] = c.TtftP99Ratio,
            ["output_throughput_ratio"] = c.OutputThroughputRatio,
            ["prefix_hit_rate_candidate"] = c.PrefixHitRateCandidate,
            ["prefix_hit_rate_baseline"] = c.PrefixHitRateBaseline,
            ["ttft_p50_ratio_target"] = c.TtftP50Target,
            ["equal_throughput"] = c.EqualThroughput,
            ["target_met"] = c.TargetMet,
        }).ToArray()),
        ["notes"] = new JsonArray(r.Notes.Select(n => (JsonNode)JsonValue.Create(n)).ToArray()),
    };

    public static string ToMarkdown(RoutingResult r)
    {
        var md = new StringBuilder();
        md.AppendLine("# KV-aware routing benchmark").AppendLine();
        md.AppendLine($"- Command: `{r.Command}` (from the repository root)");
        md.AppendLine($"- Date (UTC): {r.DateUtc.ToString("u", CultureInfo.InvariantCulture)}");
        md.AppendLine($"- Machine: {r.Machine}");
        md.AppendLine($"- Model: {r.Model}");
        md.AppendLine($"- Workload: {r.Workload}");
        md.AppendLine($"- KV cache: {r.KvCache}");
        foreach (var d in r.Deployments) md.AppendLine($"- **{d.Name}**: {d.Description}");
        md.AppendLine();
        md.AppendLine("Latencies in ms, percentiles over the measured requests (warm-up excluded). TTFT runs from the request's start, after the user's think time. " +
                      "Prefix hit rate = Σ cached prompt tokens (`usage.prompt_tokens_details.cached_tokens`) ÷ Σ prompt tokens; " +
                      $"a follow-up hit is a turn ≥ 1 that found its previous turn's prompt cached (its full {Metrics.PrefixCacheStats.DefaultBlockTokens}-token blocks, less one block). " +
                      "Requests lost: errored or short, warm-up included. Other load: cores the machine spent on other processes during the run (the workers' cores are not theirs alone).");
        md.AppendLine();
        md.AppendLine("| router mode | ok / requests | requests lost | output tok/s | TTFT p50 | TTFT p90 | TTFT p99 | prefix hit rate | follow-up hits | ITL p50 | E2E p50 (s) | other load (cores) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var run in r.Runs)
        {
            var s = run.Summary;
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {run.Mode} | {s.Succeeded} / {s.Requests} | {run.Lost} | {s.OutputTokensPerS:F1} | {Ms(s.TtftS?.P50)} | {Ms(s.TtftS?.P90)} | {Ms(s.TtftS?.P99)} | " +
                $"{Percent(run.Cache.HitRate)} | {run.Cache.FollowUpHits} / {run.Cache.FollowUps} ({Percent(run.Cache.FollowUpHitRate)}) | {Ms(s.MeanItlS?.P50)} | {Sec(s.E2eS?.P50)} | {Sec(run.OtherCpuCores)} |"));
        }
        if (r.Comparisons.Count > 0)
        {
            md.AppendLine().AppendLine("Ratios (candidate ÷ baseline). Targets (the issue's): kv's TTFT p50 at most 0.5× round-robin's and at most 0.67× least-loaded's, " +
                                       $"at equal throughput (the candidate's output tok/s at least {1 - RoutingComparison.ThroughputTolerance:0.##}× the baseline's).").AppendLine();
            md.AppendLine("| candidate ÷ baseline | TTFT p50 | TTFT p99 | output tok/s | prefix hit rate (candidate / baseline) | target | met |");
            md.AppendLine("|---|---:|---:|---:|---:|---|---|");
            foreach (var c in r.Comparisons)
            {
                var target = c.TtftP50Target is { } t ? string.Create(CultureInfo.InvariantCulture, $"TTFT p50 ≤ {t:0.##}×") : "–";
                var met = c.TargetMet switch
                {
                    true => "met",
                    false when !c.EqualThroughput => "not met (throughput below the baseline's)",
                    false => "not met",
                    null => "–",
                };
                md.AppendLine($"| {c.Candidate} ÷ {c.Baseline} | {Num(c.TtftP50Ratio)} | {Num(c.TtftP99Ratio)} | {Num(c.OutputThroughputRatio)} | " +
                              $"{Percent(c.PrefixHitRateCandidate)} / {Percent(c.PrefixHitRateBaseline)} | {target} | {met} |");
            }
        }
        if (r.Notes.Count > 0)
        {
            md.AppendLine().AppendLine("Notes:").AppendLine();
            foreach (var n in r.Notes) md.AppendLine($"- {n}");
        }
        return md.ToString();
    }

    private static string Ms(double? seconds) => seconds is { } v ? (v * 1000).ToString("F1", CultureInfo.InvariantCulture) : "–";
    private static string Sec(double? seconds) => seconds is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "–";
    private static string Num(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "–";
    private static string Percent(double? v) => v is { } x ? (x * 100).ToString("F1", CultureInfo.InvariantCulture) + " %" : "–";
}
