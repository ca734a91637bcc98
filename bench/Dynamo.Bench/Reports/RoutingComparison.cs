using Dynamo.Orleans.Bench.Deployments;

namespace Dynamo.Orleans.Bench.Reports;

/// <summary>
/// One router mode against another on the same multi-turn workload, as ratios candidate ÷ baseline (below 1 favours the
/// candidate for latencies, above 1 for throughput), with both prefix hit rates beside them. The targets are for
/// kv: TTFT p50 at most 0.5× round-robin's and at most 0.67× least-loaded's, at equal throughput — here: the
/// candidate's output tokens/s at least (1 − <see cref="ThroughputTolerance"/>) × the baseline's, so that a lower TTFT
/// is not bought by serving less. (Users think between turns, so both deliver about what the users ask for; a faster
/// router lets them ask a little sooner.)
/// </summary>
public sealed record RoutingComparison(
    string Candidate, string Baseline,
    double? TtftP50Ratio, double? TtftP99Ratio, double? OutputThroughputRatio,
    double? PrefixHitRateCandidate, double? PrefixHitRateBaseline,
    double? TtftP50Target)
{
    public const double ThroughputTolerance = 0.10;

    public bool EqualThroughput => OutputThroughputRatio >= 1 - ThroughputTolerance;

    /// <summary>Null when the pair has no target (a baseline other than least-loaded or round-robin, or a candidate other than kv).</summary>
    public bool? TargetMet => TtftP50Target is { } target ? TtftP50Ratio <= target && EqualThroughput : null;

    /// <summary>The TTFT p50 target of a kv setting (<c>kv</c> or <c>kv@W</c>) against <paramref name="baseline"/>, if it set one.</summary>
    public static double? TargetFor(string candidate, string baseline) => !RouterSetting.Parse(candidate).IsKv ? null : baseline switch
    {
        "round-robin" => 0.5,
        "least-loaded" => 0.67,
        _ => null,
    };

    /// <summary>
    /// The pairs to report, in the given order: every kv setting against every other mode (not against another kv
    /// setting: the table has both); without a kv setting, the first mode against the rest.
    /// </summary>
    public static IReadOnlyList<(string Candidate, string Baseline)> Pairs(IReadOnlyList<RouterSetting> modes)
    {
        var candidates = modes.Where(m => m.IsKv).ToList();
        if (candidates.Count == 0) candidates = modes.Take(1).ToList();
        return candidates.SelectMany(c => modes.Where(b => !b.IsKv && b != c).Select(b => (c.Name, b.Name))).ToList();
    }

    public static RoutingComparison Of(RoutingRun candidate, RoutingRun baseline)
    {
        var (c, b) = (candidate.Summary, baseline.Summary);
        return new(candidate.Mode, baseline.Mode,
            Ratio(c.TtftS?.P50, b.TtftS?.P50), Ratio(c.TtftS?.P99, b.TtftS?.P99), Ratio(c.OutputTokensPerS, b.OutputTokensPerS),
            candidate.Cache.HitRate, baseline.Cache.HitRate, TargetFor(candidate.Mode, baseline.Mode));
    }

    /// <summary>Every pair of <see cref="Pairs"/> whose two runs both exist (a mode whose deployment failed has none).</summary>
    public static IReadOnlyList<RoutingComparison> Between(IReadOnlyList<RoutingRun> runs, IReadOnlyList<RouterSetting> modes) =>
        Pairs(modes).Select(p => (c: runs.FirstOrDefault(r => r.Mode == p.Candidate), b: runs.FirstOrDefault(r => r.Mode == p.Baseline)))
                    .Where(p => p.c is not null && p.b is not null)
                    .Select(p => Of(p.c!, p.b!))
                    .ToList();

    private static double? Ratio(double? candidate, double? baseline) => candidate is { } c && baseline is > 0 ? c / baseline : null;
}
