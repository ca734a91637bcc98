namespace Dynamo.Orleans.Bench;

/// <summary>
/// Percentiles by linear interpolation between closest ranks (numpy's default, which genai-perf and vLLM's benchmark
/// scripts report): rank = p/100 · (n − 1). The one definition every bench uses (compiled into each bench project).
/// </summary>
public static class Percentile
{
    public static double Of(IReadOnlyList<double> sortedAscending, double percent)
    {
        if (sortedAscending.Count == 0) throw new ArgumentException("no values", nameof(sortedAscending));
        if (percent is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percent));
        double rank = percent / 100.0 * (sortedAscending.Count - 1);
        int lower = (int)Math.Floor(rank);
        int upper = Math.Min(lower + 1, sortedAscending.Count - 1);
        return sortedAscending[lower] + (rank - lower) * (sortedAscending[upper] - sortedAscending[lower]);
    }
}
