using System.Text.Json;
using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Deployments;
using Dynamo.Orleans.Bench.Metrics;
using Dynamo.Orleans.Bench.Reports;

namespace Dynamo.Orleans.Bench.Tests.Reports;

public sealed class RoutingReportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bench-routing-" + Guid.NewGuid().ToString("N"));

    /// <summary>
    /// A run of five two-turn sessions whose ten requests have TTFTs ttft, 2·ttft, …, 10·ttft (p50 5.5·ttft) over 12 s,
    /// and the given cached tokens out of 100 each (80 makes every second turn a follow-up hit).
    /// </summary>
    private static RoutingRun Run(string mode, double ttft, int outputTokens, int cached)
    {
        var records = Enumerable.Range(0, 10).Select(i => new RequestRecord
        {
            Class = "chat", Session = i / 2, Turn = i % 2, Warmup = false, PromptTokens = 100, ExpectedOutputTokens = outputTokens, OutputTokens = outputTokens,
            StartS = i, TtftS = ttft * (i + 1), E2eS = 3.0, CachedTokens = cached,
            ChunkTimesS = [ttft * (i + 1)],
        }).ToList();
        return new RoutingRun(mode, RunSummary.Of(records, new ServiceLevel(4, 0.1), 2), PrefixCacheStats.Of(records), 0);
    }

    private static RoutingResult Result()
    {
        var runs = new[] { Run("kv", 0.1, 32, 80), Run("least-loaded", 0.2, 32, 40), Run("round-robin", 0.25, 30, 30) };
        return new RoutingResult("dotnet run --project bench/Dynamo.Bench -c Release -- routing --out bench/results", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            new MachineDescription("Test CPU", 2, 24, "Linux", "10.0"), "tinyllama", "chat", "512 MiB", [], runs,
            RoutingComparison.Between(runs, Modes("kv", "least-loaded", "round-robin")), ["a note"]);
    }

    private static IReadOnlyList<RouterSetting> Modes(params string[] names) => names.Select(RouterSetting.Parse).ToList();

    [Fact]
    public void Every_kv_setting_is_compared_with_every_other_mode_and_without_kv_the_first_mode_is()
    {
        Assert.Equal([("kv", "least-loaded"), ("kv", "round-robin")], RoutingComparison.Pairs(Modes("kv", "least-loaded", "round-robin")));
        Assert.Equal([("kv", "round-robin")], RoutingComparison.Pairs(Modes("round-robin", "kv")));
        Assert.Equal([("kv", "least-loaded"), ("kv", "round-robin"), ("kv@4", "least-loaded"), ("kv@4", "round-robin")],
                     RoutingComparison.Pairs(Modes("kv", "least-loaded", "round-robin", "kv@4")));
        Assert.Equal([("least-loaded", "random")], RoutingComparison.Pairs(Modes("least-loaded", "random")));
        Assert.Empty(RoutingComparison.Pairs(Modes("kv")));
        Assert.Equal(0.5, RoutingComparison.TargetFor("kv@4", "round-robin"));
    }

    [Fact]
    public void Ratios_are_candidate_over_baseline_and_targets_need_equal_throughput()
    {
        var (ll, rr) = (Result().Comparisons[0], Result().Comparisons[1]);

        Assert.Equal(("kv", "least-loaded"), (ll.Candidate, ll.Baseline));
        Assert.Equal(0.5, ll.TtftP50Ratio!.Value, 9);
        Assert.Equal(0.5, ll.TtftP99Ratio!.Value, 9);
        Assert.Equal(1.0, ll.OutputThroughputRatio!.Value, 9);
        Assert.Equal((0.8, 0.4), (ll.PrefixHitRateCandidate!.Value, ll.PrefixHitRateBaseline!.Value));
        Assert.Equal(0.67, ll.TtftP50Target);
        Assert.True(ll.TargetMet);

        Assert.Equal(0.4, rr.TtftP50Ratio!.Value, 9);
        Assert.Equal(32.0 / 30, rr.OutputThroughputRatio!.Value, 9);
        Assert.Equal(0.5, rr.TtftP50Target);
        Assert.True(rr.TargetMet);

        // A lower TTFT bought by serving less is not a met target, and a pair without a target has none.
        Assert.False((ll with { OutputThroughputRatio = 0.85 }).TargetMet);
        Assert.False((ll with { TtftP50Ratio = 0.7 }).TargetMet);
        Assert.Null(RoutingComparison.Of(Run("least-loaded", 0.1, 32, 0), Run("round-robin", 0.2, 32, 0)).TargetMet);
        Assert.Null(RoutingComparison.TargetFor("kv", "random"));
    }

    [Fact]
    public void The_JSON_holds_the_comparisons_with_the_issues_field_names_and_each_modes_cache_figures()
    {
        var (json, _) = RoutingReport.Write(Result(), _folder, "routing");
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;

        Assert.Equal(RoutingReport.Schema, root.GetProperty("schema").GetString());
        Assert.StartsWith("dotnet run --project bench/Dynamo.Bench", root.GetProperty("command").GetString());
        var comparisons = root.GetProperty("comparisons");
        Assert.Equal(2, comparisons.GetArrayLength());
        var first = comparisons[0];
        Assert.Equal("kv", first.GetProperty("candidate").GetString());
        Assert.Equal("least-loaded", first.GetProperty("baseline").GetString());
        foreach (var field in new[] { "ttft_p50_ratio", "ttft_p99_ratio", "output_throughput_ratio", "prefix_hit_rate_candidate", "prefix_hit_rate_baseline" })
            Assert.Equal(JsonValueKind.Number, first.GetProperty(field).ValueKind);
        Assert.Equal(0.5, first.GetProperty("ttft_p50_ratio").GetDouble(), 9);
        Assert.Equal(0.8, first.GetProperty("prefix_hit_rate_candidate").GetDouble(), 9);
        Assert.True(first.GetProperty("target_met").GetBoolean());
        Assert.Equal("round-robin", comparisons[1].GetProperty("baseline").GetString());

        var runs = root.GetProperty("runs");
        Assert.Equal(["kv", "least-loaded", "round-robin"], runs.EnumerateArray().Select(r => r.GetProperty("mode").GetString()));
        var cache = runs[0].GetProperty("prefix_cache");
        Assert.Equal(0.8, cache.GetProperty("hit_rate").GetDouble(), 9);
        Assert.Equal(5, cache.GetProperty("follow_ups").GetInt32());
        Assert.Equal(5, cache.GetProperty("follow_up_hits").GetInt32());
        Assert.Equal(0, runs[1].GetProperty("prefix_cache").GetProperty("follow_up_hits").GetInt32());
        Assert.Equal(JsonValueKind.Number, runs[0].GetProperty("summary").GetProperty("ttft_s").GetProperty("p50").ValueKind);
    }

    [Fact]
    public void The_Markdown_has_the_command_one_row_per_mode_and_one_per_comparison()
    {
        var (_, md) = RoutingReport.Write(Result(), _folder, "routing");
        var lines = File.ReadAllLines(md);

        Assert.Contains(lines, l => l.StartsWith("- Command: `dotnet run --project bench/Dynamo.Bench", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("- Machine: Test CPU, 2 cores", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("| kv | 10 / 10 | 0 |", StringComparison.Ordinal) && l.Contains("| 80.0 % | 5 / 5 (100.0 %) |", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("| round-robin | 10 / 10 | 0 |", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("| kv ÷ least-loaded | 0.50 | 0.50 | 1.00 | 80.0 % / 40.0 % | TTFT p50 ≤ 0.67× | met |", StringComparison.Ordinal));
        Assert.Single(lines, l => l.StartsWith("| kv ÷ round-robin | 0.40 |", StringComparison.Ordinal));
        Assert.Contains("- a note", lines);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
