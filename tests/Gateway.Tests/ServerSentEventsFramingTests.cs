using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>The stream's bytes, exactly as OpenAI frames them.</summary>
[Collection(nameof(GatewayCluster))]
public sealed class ServerSentEventsFramingTests(GatewayClusterFixture fixture)
{
    [Fact]
    public async Task A_chat_stream_is_role_chunk_content_chunks_finish_chunk_usage_chunk_then_DONE()
    {
        var messages = new[] { new { role = "user", content = "Frame me" } };
        using var whole = await fixture.Http.PostAsJsonAsync("v1/chat/completions", new { model = fixture.Model, messages, max_tokens = 6, temperature = 0 });
        var expected = (string)JsonNode.Parse(await whole.Content.ReadAsStringAsync())!["choices"]![0]!["message"]!["content"]!;

        using var response = await fixture.Http.PostAsJsonAsync("v1/chat/completions", new
        {
            model = fixture.Model, messages, max_tokens = 6, temperature = 0, stream = true, stream_options = new { include_usage = true },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-cache", response.Headers.CacheControl!.ToString());
        var body = await response.Content.ReadAsByteArrayAsync();
        var frames = ServerSentEventFrames.Split(body);
        Assert.StartsWith("data: {\"id\":\"chatcmpl-", Encoding.UTF8.GetString(body));

        var events = frames.SkipLast(1).Select(f => JsonNode.Parse(f)!.AsObject()).ToList();
        Assert.True(events.Count >= 4, $"role, content, finish and usage chunks expected, got {events.Count}");
        foreach (var e in events)
        {
            Assert.Equal("chat.completion.chunk", (string)e["object"]!);
            Assert.Equal((string)events[0]["id"]!, (string)e["id"]!);
            Assert.Equal((long)events[0]["created"]!, (long)e["created"]!);
            Assert.Equal(fixture.Model, (string)e["model"]!);
        }
        Assert.Equal("{\"role\":\"assistant\",\"content\":\"\"}", events[0]["choices"]![0]!["delta"]!.ToJsonString());
        var content = events.Skip(1).Take(events.Count - 3).ToList();
        Assert.All(content, e =>
        {
            Assert.Null(e["choices"]![0]!["finish_reason"]);
            Assert.Null(e["choices"]![0]!["delta"]!["role"]);
        });
        Assert.Equal(expected, string.Concat(content.Select(e => (string)e["choices"]![0]!["delta"]!["content"]!)));
        var finish = events[^2]["choices"]![0]!;
        Assert.Equal("{}", finish["delta"]!.ToJsonString());
        Assert.Equal("length", (string)finish["finish_reason"]!);
        Assert.Empty(events[^1]["choices"]!.AsArray());
        Assert.Equal(6, (int)events[^1]["usage"]!["completion_tokens"]!);
        // Only the usage chunk carries usage.
        Assert.All(events.SkipLast(1), e => Assert.False(e.ContainsKey("usage")));
    }

    [Fact]
    public async Task Without_include_usage_there_is_no_usage_chunk()
    {
        using var response = await fixture.Http.PostAsJsonAsync("v1/chat/completions", new
        {
            model = fixture.Model, messages = new[] { new { role = "user", content = "x" } }, max_tokens = 3, temperature = 0, stream = true,
        });
        var events = ServerSentEventFrames.Events(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("length", (string)events[^1]["choices"]![0]!["finish_reason"]!);
        Assert.All(events, e => Assert.False(e.ContainsKey("usage")));
    }

    [Fact]
    public async Task An_invalid_streaming_request_is_refused_with_a_status_before_any_event()
    {
        // The sequence grain validates on its first step; the gateway waits for it before it commits to 200.
        using var response = await fixture.Http.PostAsJsonAsync("v1/completions", new
        {
            model = fixture.Model, prompt = new[] { 1, 99_999_999 }, stream = true,
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("prompt", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["param"]!);
    }
}
