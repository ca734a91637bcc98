namespace Dynamo.Orleans.Bench.Metrics;

/// <summary>Mean, percentiles and extremes of one latency, in seconds.</summary>
public sealed record LatencyStats(int Count, double Mean, double P50, double P90, double P99, double Min, double Max)
{
    public static LatencyStats? Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return null;
        return new(sorted.Length, sorted.Average(), Percentile.Of(sorted, 50), Percentile.Of(sorted, 90), Percentile.Of(sorted, 99),
                   sorted[0], sorted[^1]);
    }
}
