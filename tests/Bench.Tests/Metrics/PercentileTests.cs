using Dynamo.Orleans.Bench.Metrics;

namespace Dynamo.Orleans.Bench.Tests.Metrics;

public sealed class PercentileTests
{
    [Theory]
    // numpy.percentile([1, 2, 3, 4], p) with the default linear interpolation.
    [InlineData(0, 1.0)]
    [InlineData(50, 2.5)]
    [InlineData(90, 3.7)]
    [InlineData(99, 3.97)]
    [InlineData(100, 4.0)]
    public void Percentiles_interpolate_between_closest_ranks_as_numpy_does(double percent, double expected) =>
        Assert.Equal(expected, Percentile.Of([1, 2, 3, 4], percent), 12);

    [Fact]
    public void One_value_is_every_percentile() => Assert.Equal(7.0, Percentile.Of([7], 99));

    [Fact]
    public void No_values_or_a_percent_out_of_range_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Percentile.Of([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentile.Of([1], 101));
    }

    [Fact]
    public void Stats_sort_their_input_first()
    {
        var stats = LatencyStats.Of([0.4, 0.1, 0.3, 0.2])!;
        Assert.Equal(4, stats.Count);
        Assert.Equal(0.25, stats.Mean, 12);
        Assert.Equal(0.25, stats.P50, 12);
        Assert.Equal(0.1, stats.Min);
        Assert.Equal(0.4, stats.Max);
        Assert.Null(LatencyStats.Of([]));
    }
}
