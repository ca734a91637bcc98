using System.Text.Json;
using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Metrics;
using Dynamo.Orleans.Bench.Reports;

namespace Dynamo.Orleans.Bench.Tests.Reports;

public sealed class ReportWritingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bench-report-" + Guid.NewGuid().ToString("N"));

    private static readonly ServiceLevel Sla = new(1.0, 0.1);

    private static RunSummary Summary(double itl, double ttft, int requests) => RunSummary.Of(
        Enumerable.Range(0, requests).Select(i => new RequestRecord
        {
            Class = "decode-streams", Session = i, Turn = 0, Warmup = false, PromptTokens = 64, ExpectedOutputTokens = 11,
            StartS = i, TtftS = ttft, E2eS = ttft + 10 * itl, OutputTokens = 11,
            ChunkTimesS = Enumerable.Range(0, 11).Select(k => ttft + k * itl).ToArray(),
        }), Sla, workerCores: 2);

    private static ServingResult Result()
    {
        var points = new List<MeasuredPoint>();
        foreach (var (deployment, itl) in new[] { ("aggregated", 0.2), ("disaggregated", 0.05) })
            foreach (var c in new[] { 8, 16 })
            {
                var s = Summary(itl * c / 8, 0.3, 10);
                points.Add(new MeasuredPoint(deployment, 2, c, s, new Dictionary<string, RunSummary> { ["decode-streams"] = s, ["long-prompts"] = Summary(0.01, 2.0, 3) }));
            }
        return new ServingResult("dotnet run --project bench/Dynamo.Bench -c Release -- compare", new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            new MachineDescription("Test CPU", 2, 24, "Linux", "10.0"), "tiny", "mixed", Sla,
            [new DeploymentDescription("aggregated", "two workers", 2, ["taskset --cpu-list 0 dynamo serve --role all"])],
            points, DeploymentComparison.Between(points, "aggregated", "disaggregated"), ["a note"]);
    }

    [Fact]
    public void The_JSON_report_names_its_schema_command_machine_SLA_and_every_points_latencies()
    {
        var (json, _) = ServingReport.Write(Result(), _folder, "serving");
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;

        Assert.Equal(ServingReport.Schema, root.GetProperty("schema").GetString());
        Assert.StartsWith("dotnet run --project bench/Dynamo.Bench", root.GetProperty("command").GetString());
        Assert.Equal("Test CPU", root.GetProperty("machine").GetProperty("cpu").GetString());
        Assert.Equal(1.0, root.GetProperty("sla").GetProperty("max_ttft_s").GetDouble());
        Assert.Equal(0.1, root.GetProperty("sla").GetProperty("max_mean_itl_s").GetDouble());
        var points = root.GetProperty("points");
        Assert.Equal(4, points.GetArrayLength());
        var summary = points[0].GetProperty("summary");
        foreach (var latency in new[] { "ttft_s", "mean_itl_s", "chunk_gap_s", "e2e_s" })
            foreach (var stat in new[] { "p50", "p90", "p99", "mean" })
                Assert.Equal(JsonValueKind.Number, summary.GetProperty(latency).GetProperty(stat).ValueKind);
        foreach (var rate in new[] { "requests_per_s", "output_tokens_per_s", "output_tokens_per_s_per_worker", "output_tokens_per_s_per_user", "goodput_requests_per_s" })
            Assert.Equal(JsonValueKind.Number, summary.GetProperty(rate).ValueKind);
        Assert.True(points[0].GetProperty("classes").TryGetProperty("long-prompts", out _));
        var comparison = root.GetProperty("comparisons")[0];
        Assert.Equal(0.25, comparison.GetProperty("p99_mean_itl_ratio").GetDouble(), 9);
        Assert.Equal(0.5, comparison.GetProperty("targets").GetProperty("p99_itl_ratio_at_most").GetDouble());
    }

    [Fact]
    public void The_Markdown_report_has_one_row_per_point_per_class_and_per_comparison()
    {
        var (_, md) = ServingReport.Write(Result(), _folder, "serving");
        var lines = File.ReadAllLines(md);

        Assert.Contains(lines, l => l.StartsWith("- Command: `dotnet run --project bench/Dynamo.Bench", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("- Machine: Test CPU, 2 cores", StringComparison.Ordinal));
        foreach (var row in new[] { "| aggregated | 8 | 10 / 10 |", "| aggregated | 16 | 10 / 10 |", "| disaggregated | 8 | 10 / 10 |", "| disaggregated | 16 | 10 / 10 |" })
            Assert.Single(lines, l => l.StartsWith(row, StringComparison.Ordinal));
        Assert.Equal(8, lines.Count(l => l.Contains("| decode-streams |", StringComparison.Ordinal) || l.Contains("| long-prompts |", StringComparison.Ordinal)));
        var ratios = lines.Where(l => l.StartsWith("| disaggregated ÷ aggregated |", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, ratios.Count);
        Assert.Contains("| 0.25 |", ratios[0]);
        Assert.Contains("- a note", lines);
    }

    [Fact]
    public void Plots_are_written_as_SVG()
    {
        var files = ServingPlots.Write(Result(), _folder, "serving");

        Assert.Equal(3, files.Count);
        Assert.All(files, f => Assert.Contains("<svg", File.ReadAllText(f)));
        Assert.Contains(files, f => f.EndsWith("serving-throughput.svg", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
