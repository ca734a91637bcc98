using OpenAI.Chat;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>How much of a prompt came from the prefix cache, as an OpenAI client reads it, and the router's metrics.</summary>
[Collection(nameof(GatewayCluster))]
public sealed class CachedTokensTests(GatewayClusterFixture fixture)
{
    private ChatClient Chat => fixture.OpenAI().GetChatClient(fixture.Model);

    private static ChatCompletionOptions Greedy(int maxTokens) => new() { Temperature = 0, MaxOutputTokenCount = maxTokens };

    [Fact]
    public async Task A_repeated_conversation_reports_its_cached_prompt_tokens_whole_and_streamed()
    {
        // A system prompt no other test sends, long enough for several 16-token blocks.
        var system = "You answer about " + string.Join(' ', Enumerable.Range(0, 40).Select(i => $"{Guid.NewGuid():N}"[..6] + i));
        List<ChatMessage> messages = [new SystemChatMessage(system), new UserChatMessage("Summarise that.")];

        ChatCompletion first = await Chat.CompleteChatAsync(messages, Greedy(4));
        Assert.Equal(0, first.Usage.InputTokenDetails.CachedTokenCount);

        ChatCompletion second = await Chat.CompleteChatAsync(messages, Greedy(4));
        int cached = second.Usage.InputTokenDetails.CachedTokenCount;
        Assert.True(cached > 0 && cached < second.Usage.InputTokenCount, $"{cached} of {second.Usage.InputTokenCount} prompt tokens cached");
        Assert.Equal(0, cached % 16); // whole blocks only
        Assert.True(cached >= (second.Usage.InputTokenCount - 1) / 16 * 16 - 16);

        ChatTokenUsage? streamed = null;
        await foreach (var update in Chat.CompleteChatStreamingAsync(messages, Greedy(4))) streamed ??= update.Usage;
        Assert.NotNull(streamed);
        Assert.Equal(cached, streamed.InputTokenDetails.CachedTokenCount);
    }

    [Fact]
    public async Task Metrics_show_the_routers_view()
    {
        await Chat.CompleteChatAsync([new UserChatMessage("Count the blocks, please, all of them, slowly and carefully.")], Greedy(2));
        using var response = await fixture.Http.GetAsync("metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE dynamo_router_overlap_blocks histogram", text);
        Assert.Contains("dynamo_router_overlap_blocks_bucket{le=\"16\"}", text); // block-count buckets, not latency ones
        Assert.Contains("# TYPE dynamo_router_decision_seconds histogram", text);
        Assert.Contains("dynamo_router_decision_seconds_bucket{le=\"1E-05\"}", text);
        Assert.Contains("dynamo_router_kv_index_blocks", text);
        Assert.Contains("# TYPE dynamo_router_kv_events_applied_total counter", text);
        Assert.Contains("# TYPE dynamo_router_kv_dumps_requested_total counter", text);
    }
}
