using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Metrics;
using Dynamo.Orleans.Bench.Reports;

namespace Dynamo.Orleans.Bench.Tests.Reports;

public sealed class EqualThroughputTests
{
    /// <summary>A point whose requests each produce 101 tokens at <paramref name="itl"/>, one request starting every second, <paramref name="n"/> of them.</summary>
    private static MeasuredPoint Point(string deployment, int concurrency, double itl, int tokens, int n = 10)
    {
        var records = Enumerable.Range(0, n).Select(i => new RequestRecord
        {
            Class = "c", Session = i, Turn = 0, Warmup = false, PromptTokens = 8, ExpectedOutputTokens = tokens,
            StartS = i, TtftS = 0.1, E2eS = 0.1 + itl * (tokens - 1), OutputTokens = tokens,
        }).ToList();
        var s = RunSummary.Of(records, new ServiceLevel(1, 1), 2);
        return new MeasuredPoint(deployment, 2, concurrency, s, new Dictionary<string, RunSummary> { ["c"] = s });
    }

    [Fact]
    public void The_candidates_latency_is_interpolated_at_the_baselines_throughput()
    {
        var lo = Point("b", 8, itl: 0.02, tokens: 101);
        var hi = Point("b", 16, itl: 0.04, tokens: 201);
        double x0 = lo.Summary.OutputTokensPerS, x1 = hi.Summary.OutputTokensPerS, middle = (x0 + x1) / 2;

        Assert.Equal(0.03, DeploymentComparison.AtThroughput([hi, lo], middle, s => s.MeanItlS?.P99)!.Value, 9);
        Assert.Equal(0.02, DeploymentComparison.AtThroughput([hi, lo], x0 * 0.95, s => s.MeanItlS?.P99)!.Value, 9); // within 10 %: nearest
        Assert.Null(DeploymentComparison.AtThroughput([hi, lo], x1 * 1.5, s => s.MeanItlS?.P99));                   // no extrapolation
    }

    [Fact]
    public void The_ITL_target_is_met_on_the_curve_even_when_same_concurrency_throughputs_differ()
    {
        var baseline = Point("aggregated", 16, itl: 0.1, tokens: 151);
        var candidate = new[] { Point("disaggregated", 8, itl: 0.03, tokens: 51), Point("disaggregated", 16, itl: 0.045, tokens: 201) };
        var comparison = DeploymentComparison.Between([baseline, .. candidate], "aggregated", "disaggregated").Single();

        Assert.False(comparison.EqualThroughput);
        Assert.NotNull(comparison.P99MeanItlRatioAtEqualThroughput);
        Assert.InRange(comparison.P99MeanItlRatioAtEqualThroughput!.Value, 0.3, 0.45);
        Assert.True(comparison.ItlTargetMet);
    }
}
