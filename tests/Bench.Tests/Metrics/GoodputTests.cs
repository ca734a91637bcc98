using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Metrics;

namespace Dynamo.Orleans.Bench.Tests.Metrics;

public sealed class GoodputTests
{
    private static readonly ServiceLevel Sla = new(MaxTtftS: 0.5, MaxMeanItlS: 0.05);

    /// <summary>A request whose tokens came at TTFT, then every ITL seconds.</summary>
    private static RequestRecord Record(double start, double ttft, double itl, int tokens, int expected = -1, string? error = null, bool warmup = false) => new()
    {
        Class = "c", Session = 0, Turn = 0, Warmup = warmup, PromptTokens = 10, ExpectedOutputTokens = expected < 0 ? tokens : expected,
        StartS = start, TtftS = ttft, E2eS = ttft + itl * (tokens - 1), OutputTokens = tokens, Error = error,
        ChunkTimesS = Enumerable.Range(0, tokens).Select(i => ttft + i * itl).ToArray(),
    };

    [Fact]
    public void A_request_is_good_only_when_complete_and_within_both_limits()
    {
        Assert.True(Sla.IsMetBy(Record(0, 0.5, 0.05, 11)));          // on both limits
        Assert.False(Sla.IsMetBy(Record(0, 0.51, 0.01, 11)));        // first token late
        Assert.False(Sla.IsMetBy(Record(0, 0.1, 0.051, 11)));        // decodes too slowly
        Assert.False(Sla.IsMetBy(Record(0, 0.1, 0.01, 10, 11)));     // one token short
        Assert.False(Sla.IsMetBy(Record(0, 0.1, 0.01, 11, error: "HTTP 500")));
        Assert.True(Sla.IsMetBy(Record(0, 0.1, 0, 1)));              // a one-token answer has no ITL to miss
    }

    [Fact]
    public void Goodput_counts_good_requests_per_second_of_the_measured_window_and_ignores_warm_up()
    {
        var records = new[]
        {
            Record(start: -50, ttft: 9, itl: 9, tokens: 5, warmup: true),  // warm-up: outside the window and the counts
            Record(start: 0, ttft: 0.2, itl: 0.02, tokens: 51),            // good, ends at 1.2 s
            Record(start: 1, ttft: 0.9, itl: 0.02, tokens: 51),            // TTFT over: ends at 2.9 s
            Record(start: 2, ttft: 0.1, itl: 0.07, tokens: 11),            // ITL over: ends at 2.8 s
            Record(start: 3, ttft: 0.1, itl: 0.01, tokens: 101),           // good, ends at 4.1 s
            Record(start: 3.5, ttft: 0.1, itl: 0.01, tokens: 40, expected: 50), // short: lost
        };

        var summary = RunSummary.Of(records, Sla, workerCores: 2);

        Assert.Equal(5, summary.Requests);
        Assert.Equal(4, summary.Succeeded);
        Assert.Equal(1, summary.ShortOrLong);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(2, summary.GoodRequests);
        Assert.Equal(4.1, summary.DurationS, 9);
        Assert.Equal(2 / 4.1, summary.GoodputRequestsPerS, 9);
        Assert.Equal(4 / 4.1, summary.RequestsPerS, 9);
        Assert.Equal((51 + 51 + 11 + 101) / 4.1, summary.OutputTokensPerS, 9);
        Assert.Equal(summary.OutputTokensPerS / 2, summary.OutputTokensPerSPerWorker, 9);
        Assert.Equal((1 / 0.02 + 1 / 0.02 + 1 / 0.07 + 1 / 0.01) / 4, summary.OutputTokensPerSPerUser, 6);
        Assert.Equal(0.07, summary.MeanItlS!.Max, 9);
        Assert.Equal(50 + 50 + 10 + 100, summary.ChunkGapS!.Count);
    }
}
