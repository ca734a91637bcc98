using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Tests.Workloads;

public sealed class LengthDistributionTests
{
    [Fact]
    public void The_command_line_forms_parse_to_their_distributions()
    {
        Assert.Equal(new LengthDistribution.Fixed(128), LengthDistribution.Parse("128"));
        Assert.Equal(new LengthDistribution.Fixed(64), LengthDistribution.Parse("fixed:64"));
        Assert.Equal(new LengthDistribution.Uniform(1000, 2000), LengthDistribution.Parse("uniform:1000-2000"));
        Assert.Equal(new LengthDistribution.Normal(1500, 200, 1000, 2000), LengthDistribution.Parse("normal:1500,200,1000,2000"));
        Assert.Equal(new LengthDistribution.Normal(100, 10, 1, 140), LengthDistribution.Parse("normal:100,10"));
        foreach (var bad in new[] { "0", "-3", "uniform:9-3", "normal:x,1", "lots" })
            Assert.Throws<ArgumentException>(() => LengthDistribution.Parse(bad));
    }

    [Fact]
    public void Uniform_draws_cover_the_bounds_inclusive_and_nothing_outside()
    {
        var random = new Random(3);
        var draws = Enumerable.Range(0, 5000).Select(_ => new LengthDistribution.Uniform(10, 14).Sample(random)).ToList();
        Assert.Equal([10, 11, 12, 13, 14], draws.Distinct().Order());
    }

    [Fact]
    public void Normal_draws_have_the_asked_mean_and_deviation_and_respect_the_bounds()
    {
        var random = new Random(5);
        var normal = new LengthDistribution.Normal(1500, 200, 1000, 2000);
        var draws = Enumerable.Range(0, 20000).Select(_ => (double)normal.Sample(random)).ToList();
        double mean = draws.Average(), sd = Math.Sqrt(draws.Average(d => (d - mean) * (d - mean)));
        Assert.InRange(mean, 1490, 1510);      // 20,000 draws: the standard error of the mean is ~1.4
        Assert.InRange(sd, 190, 210);          // clamping at ±2.5 sd trims the deviation only slightly
        Assert.True(draws.All(d => d is >= 1000 and <= 2000));
        Assert.Contains(1000.0, draws);        // the clamps are reached
    }
}
