namespace Dynamo.Orleans.Bench.Reports;

/// <summary>
/// A candidate deployment against a baseline at the same concurrency, as ratios (candidate ÷ baseline): latency ratios
/// below 1 and throughput/goodput ratios above 1 favour the candidate. The targets are the issue's: p99 ITL at most half
/// the baseline's at equal throughput (±10 %), and goodput at least 1.3×.
/// </summary>
public sealed record DeploymentComparison(
    string Baseline, string Candidate, int Concurrency,
    double? P99MeanItlRatio, double? P99ChunkGapRatio, double? P99TtftRatio, double OutputThroughputRatio, double? GoodputRatio)
{
    public const double ItlTarget = 0.5, ThroughputTolerance = 0.10, GoodputTarget = 1.3;

    public bool EqualThroughput => Math.Abs(OutputThroughputRatio - 1) <= ThroughputTolerance;
    public bool ItlTargetMet => P99MeanItlRatio <= ItlTarget && EqualThroughput;
    public bool GoodputTargetMet => GoodputRatio >= GoodputTarget;

    public static IReadOnlyList<DeploymentComparison> Between(IReadOnlyList<MeasuredPoint> points, string baseline, string candidate) =>
        points.Where(p => p.Deployment == candidate)
              .Select(c => (c, b: points.FirstOrDefault(p => p.Deployment == baseline && p.Concurrency == c.Concurrency)))
              .Where(x => x.b is not null)
              .Select(x => Of(x.b!, x.c))
              .ToList();

    public static DeploymentComparison Of(MeasuredPoint baseline, MeasuredPoint candidate)
    {
        var (b, c) = (baseline.Summary, candidate.Summary);
        return new(baseline.Deployment, candidate.Deployment, candidate.Concurrency,
            Ratio(c.MeanItlS?.P99, b.MeanItlS?.P99), Ratio(c.ChunkGapS?.P99, b.ChunkGapS?.P99), Ratio(c.TtftS?.P99, b.TtftS?.P99),
            Ratio(c.OutputTokensPerS, b.OutputTokensPerS) ?? 0, Ratio(c.GoodputRequestsPerS, b.GoodputRequestsPerS));
    }

    private static double? Ratio(double? candidate, double? baseline) => candidate is { } c && baseline is > 0 ? c / baseline : null;
}
