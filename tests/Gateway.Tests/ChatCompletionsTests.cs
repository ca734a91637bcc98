using System.Text;
using OpenAI.Chat;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>The official OpenAI .NET client against the gateway: what an application sees.</summary>
[Collection(nameof(GatewayCluster))]
public sealed class ChatCompletionsTests(GatewayClusterFixture fixture)
{
    private ChatClient Chat => fixture.OpenAI().GetChatClient(fixture.Model);

    private static ChatCompletionOptions Greedy(int maxTokens) => new() { Temperature = 0, MaxOutputTokenCount = maxTokens };

    [Fact]
    public async Task Chat_completion_returns_the_assistant_message_finish_reason_and_usage()
    {
        ChatCompletion completion = await Chat.CompleteChatAsync([new SystemChatMessage("You are terse."), new UserChatMessage("Say hello")], Greedy(8));
        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.Equal(fixture.Model, completion.Model);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(8, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 5);
        Assert.Equal(completion.Usage.InputTokenCount + 8, completion.Usage.TotalTokenCount);
        Assert.NotEmpty(completion.Content[0].Text);
    }

    [Fact]
    public async Task Streaming_chat_delivers_the_same_text_as_the_whole_completion_and_a_usage_chunk()
    {
        List<ChatMessage> messages = [new UserChatMessage("Tell me a story")];
        ChatCompletion whole = await Chat.CompleteChatAsync(messages, Greedy(12));

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        ChatMessageRole? role = null;
        await foreach (var update in Chat.CompleteChatStreamingAsync(messages, Greedy(12)))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
            role ??= update.Role;
        }
        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Equal(ChatMessageRole.Assistant, role);
        Assert.NotNull(usage);
        Assert.Equal(12, usage.OutputTokenCount);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
    }

    [Fact]
    public async Task Text_content_parts_are_joined_like_a_plain_string()
    {
        ChatCompletion parts = await Chat.CompleteChatAsync(
            [new UserChatMessage(ChatMessageContentPart.CreateTextPart("Hello "), ChatMessageContentPart.CreateTextPart("world"))], Greedy(6));
        ChatCompletion plain = await Chat.CompleteChatAsync([new UserChatMessage("Hello world")], Greedy(6));
        Assert.Equal(plain.Content[0].Text, parts.Content[0].Text);
        Assert.Equal(plain.Usage.InputTokenCount, parts.Usage.InputTokenCount);
    }

    [Fact]
    public async Task Logprobs_come_back_per_token_with_the_requested_alternatives()
    {
        var options = Greedy(5);
        options.IncludeLogProbabilities = true;
        options.TopLogProbabilityCount = 3;
        ChatCompletion completion = await Chat.CompleteChatAsync([new UserChatMessage("Count to three")], options);
        Assert.Equal(5, completion.ContentTokenLogProbabilities.Count);
        foreach (var token in completion.ContentTokenLogProbabilities)
        {
            Assert.True(token.LogProbability <= 0);
            Assert.Equal(3, token.TopLogProbabilities.Count);
            // Greedy: the chosen token is the most likely one.
            Assert.Equal(token.TopLogProbabilities[0].LogProbability, token.LogProbability, 4);
            Assert.Equal(Encoding.UTF8.GetBytes(token.Token), token.Utf8Bytes!.Value.ToArray());
        }
        // Tokens that are part of a character decode alone to U+FFFD; otherwise they spell the text.
        if (!completion.ContentTokenLogProbabilities.Any(t => t.Token.Contains('\uFFFD')))
            Assert.Equal(completion.Content[0].Text, string.Concat(completion.ContentTokenLogProbabilities.Select(t => t.Token)));
    }

    [Fact]
    public async Task Stop_strings_cut_the_text_and_finish_with_stop()
    {
        ChatCompletion full = await Chat.CompleteChatAsync([new UserChatMessage("Stop test")], Greedy(16));
        var text = full.Content[0].Text;
        Assert.True(text.Length > 4, $"need some text to cut: '{text}'");
        var stop = text.Substring(text.Length / 2, 2);
        var options = Greedy(16);
        options.StopSequences.Add(stop);
        ChatCompletion cut = await Chat.CompleteChatAsync([new UserChatMessage("Stop test")], options);
        Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], cut.Content[0].Text);
    }

    [Fact]
    public async Task A_gateway_inside_the_silo_process_serves_through_the_silos_grain_factory()
    {
        var silo = fixture.Cluster.Silos[0];
        var grains = (IGrainFactory)fixture.Cluster.GetSiloServiceProvider(silo.SiloAddress).GetService(typeof(IGrainFactory))!;
        await using var inSilo = await fixture.StartGatewayAsync(grains: grains);
        ChatCompletion viaSilo = await fixture.OpenAI(inSilo).GetChatClient(fixture.Model).CompleteChatAsync([new UserChatMessage("Hi")], Greedy(6));
        ChatCompletion viaClient = await Chat.CompleteChatAsync([new UserChatMessage("Hi")], Greedy(6));
        Assert.Equal(viaClient.Content[0].Text, viaSilo.Content[0].Text);
    }
}
