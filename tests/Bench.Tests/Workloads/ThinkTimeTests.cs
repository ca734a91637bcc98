using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Tests.Workloads;

public sealed class ThinkTimeTests
{
    [Theory]
    [InlineData("0", 0, 0)]
    [InlineData("750", 750, 750)]
    [InlineData("500-1000", 500, 1000)]
    [InlineData(" 100 - 200 ", 100, 200)]
    public void Milliseconds_or_a_range_parse(string text, int min, int max)
    {
        var think = ThinkTime.Parse(text);
        Assert.Equal((TimeSpan.FromMilliseconds(min), TimeSpan.FromMilliseconds(max)), (think.Min, think.Max));
        Assert.Equal(max == 0, think.IsNone);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5")]
    [InlineData("1000-500")]
    [InlineData("500-")]
    [InlineData("0.5s")]
    public void Malformed_think_times_are_refused(string text) => Assert.Throws<ArgumentException>(() => ThinkTime.Parse(text));

    [Fact]
    public void Draws_stay_in_the_range_and_spread_over_it()
    {
        var think = ThinkTime.Parse("500-1000");
        var random = new Random(1);
        var draws = Enumerable.Range(0, 1000).Select(_ => think.Draw(random).TotalMilliseconds).ToList();

        Assert.All(draws, d => Assert.InRange(d, 500, 1000));
        Assert.InRange(draws.Average(), 725, 775);
        Assert.Equal(TimeSpan.FromMilliseconds(750), ThinkTime.Parse("750").Draw(random));
    }
}
