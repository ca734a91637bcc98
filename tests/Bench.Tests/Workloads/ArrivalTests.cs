using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Tests.Workloads;

public sealed class ArrivalTests
{
    [Fact]
    public void Poisson_gaps_are_exponential_with_mean_one_over_the_rate()
    {
        var poisson = new Arrival.Poisson(RequestsPerSecond: 4);
        var random = new Random(11);
        var gaps = Enumerable.Range(0, 40000).Select(_ => poisson.NextGap(random).TotalSeconds).ToList();

        Assert.InRange(gaps.Average(), 0.245, 0.255);                        // mean 1/λ = 0.25 s (standard error ~0.0013)
        Assert.InRange(gaps.Count(g => g > 0.25) / (double)gaps.Count, 0.36, 0.38); // P(gap > mean) = e^-1 ≈ 0.368: exponential, not uniform
        Assert.True(gaps.All(g => g >= 0));
    }
}
