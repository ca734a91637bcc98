using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Metrics;

namespace Dynamo.Orleans.Bench.Tests.Metrics;

public sealed class PrefixCacheStatsTests
{
    private static RequestRecord Turn(int session, int turn, int prompt, int? cached, bool warmup = false, string? error = null) => new()
    {
        Class = "chat", Session = session, Turn = turn, Warmup = warmup, PromptTokens = prompt, ExpectedOutputTokens = 4,
        StartS = 10 * session + turn, TtftS = error is null ? 0.1 : null, E2eS = 0.5, OutputTokens = error is null ? 4 : 0, Error = error, CachedTokens = cached,
    };

    [Theory]
    [InlineData(100, 80)]  // 6 full blocks (96), less one block
    [InlineData(96, 80)]
    [InlineData(200, 176)]
    [InlineData(32, 16)]
    [InlineData(31, 0)]
    [InlineData(15, 0)]
    public void A_follow_up_hit_needs_the_previous_prompts_full_blocks_less_one(int previousPrompt, int threshold) =>
        Assert.Equal(threshold, PrefixCacheStats.FollowUpHitThreshold(previousPrompt));

    [Fact]
    public void The_hit_rate_is_cached_over_prompt_tokens_of_measured_completed_requests_and_follow_ups_count_against_the_previous_turn()
    {
        var stats = PrefixCacheStats.Of(
        [
            Turn(0, 0, 100, 0),
            Turn(0, 1, 150, 96),     // needs 80: hit
            Turn(0, 2, 200, 64),     // needs 144 − 16 = 128: miss
            Turn(1, 0, 100, 0),
            Turn(1, 1, 150, 0),      // miss
            Turn(2, 0, 100, 90, warmup: true),       // warm-up: not counted
            Turn(2, 1, 150, 150, warmup: true),
            Turn(3, 0, 100, null, error: "HTTP 503"), // lost: not counted
        ]);

        Assert.Equal(5, stats.Requests);
        Assert.Equal(700, stats.PromptTokens);
        Assert.Equal(160, stats.CachedTokens);
        Assert.Equal(160.0 / 700, stats.HitRate!.Value, 12);
        Assert.Equal((3, 1), (stats.FollowUps, stats.FollowUpHits));
        Assert.Equal(1.0 / 3, stats.FollowUpHitRate!.Value, 12);
    }

    [Fact]
    public void A_server_that_never_reports_cached_tokens_has_no_hit_rate_rather_than_zero()
    {
        var stats = PrefixCacheStats.Of([Turn(0, 0, 100, null), Turn(0, 1, 150, null)]);

        Assert.Equal(0, stats.Requests);
        Assert.Null(stats.HitRate);
        Assert.Null(stats.FollowUpHitRate);
    }
}
