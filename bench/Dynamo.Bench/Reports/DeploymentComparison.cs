namespace Dynamo.Orleans.Bench.Reports;

/// <summary>
/// A candidate deployment against a baseline at the same concurrency, as ratios (candidate ÷ baseline): latency ratios
/// below 1 and throughput/goodput ratios above 1 favour the candidate. A closed loop's throughput follows its latency, so
/// at the same concurrency two deployments rarely deliver the same tokens/s; the "at equal throughput" ratios read the
/// candidate's latency off its own sweep (linear between its two points whose output tokens/s bracket the baseline's),
/// the way throughput–latency curves are compared. The targets are the issue's: p99 ITL at most half the baseline's at
/// equal throughput (±10 %), and goodput at least 1.3×.
/// </summary>
public sealed record DeploymentComparison(
    string Baseline, string Candidate, int Concurrency,
    double? P99MeanItlRatio, double? P99ChunkGapRatio, double? P99TtftRatio, double OutputThroughputRatio, double? GoodputRatio,
    double? P99MeanItlRatioAtEqualThroughput, double? P99ChunkGapRatioAtEqualThroughput)
{
    public const double ItlTarget = 0.5, ThroughputTolerance = 0.10, GoodputTarget = 1.3;

    public bool EqualThroughput => Math.Abs(OutputThroughputRatio - 1) <= ThroughputTolerance;

    /// <summary>Met at this concurrency when throughputs are equal within the tolerance, or on the candidate's curve at the baseline's throughput.</summary>
    public bool ItlTargetMet => (EqualThroughput && P99MeanItlRatio <= ItlTarget) || P99MeanItlRatioAtEqualThroughput <= ItlTarget;

    public bool GoodputTargetMet => GoodputRatio >= GoodputTarget;

    public static IReadOnlyList<DeploymentComparison> Between(IReadOnlyList<MeasuredPoint> points, string baseline, string candidate)
    {
        var curve = points.Where(p => p.Deployment == candidate).ToList();
        return curve.Select(c => (c, b: points.FirstOrDefault(p => p.Deployment == baseline && p.Concurrency == c.Concurrency)))
                    .Where(x => x.b is not null)
                    .Select(x => Of(x.b!, x.c, curve))
                    .ToList();
    }

    public static DeploymentComparison Of(MeasuredPoint baseline, MeasuredPoint candidate, IReadOnlyList<MeasuredPoint> candidateCurve)
    {
        var (b, c) = (baseline.Summary, candidate.Summary);
        double throughput = b.OutputTokensPerS;
        return new(baseline.Deployment, candidate.Deployment, candidate.Concurrency,
            Ratio(c.MeanItlS?.P99, b.MeanItlS?.P99), Ratio(c.ChunkGapS?.P99, b.ChunkGapS?.P99), Ratio(c.TtftS?.P99, b.TtftS?.P99),
            Ratio(c.OutputTokensPerS, b.OutputTokensPerS) ?? 0, Ratio(c.GoodputRequestsPerS, b.GoodputRequestsPerS),
            Ratio(AtThroughput(candidateCurve, throughput, s => s.MeanItlS?.P99), b.MeanItlS?.P99),
            Ratio(AtThroughput(candidateCurve, throughput, s => s.ChunkGapS?.P99), b.ChunkGapS?.P99));
    }

    /// <summary>
    /// A latency of the curve at <paramref name="throughput"/>: linear between the two points that bracket it, or the
    /// nearest point when it lies within the tolerance outside the measured range; null beyond that (no extrapolation).
    /// </summary>
    public static double? AtThroughput(IReadOnlyList<MeasuredPoint> curve, double throughput, Func<Metrics.RunSummary, double?> latency)
    {
        var sorted = curve.Select(p => (x: p.Summary.OutputTokensPerS, y: latency(p.Summary))).Where(p => p.y is not null)
                          .OrderBy(p => p.x).ToList();
        if (sorted.Count == 0) return null;
        for (int i = 1; i < sorted.Count; i++)
        {
            var (lo, hi) = (sorted[i - 1], sorted[i]);
            if (throughput >= lo.x && throughput <= hi.x)
                return hi.x == lo.x ? lo.y : lo.y + (hi.y - lo.y) * (throughput - lo.x) / (hi.x - lo.x);
        }
        var nearest = sorted.MinBy(p => Math.Abs(p.x - throughput));
        return Math.Abs(nearest.x / throughput - 1) <= ThroughputTolerance ? nearest.y : null;
    }

    private static double? Ratio(double? candidate, double? baseline) => candidate is { } c && baseline is > 0 ? c / baseline : null;
}
