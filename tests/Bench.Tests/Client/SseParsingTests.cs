using System.Diagnostics;
using System.Net;
using System.Text;
using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Tests.Client;

public sealed class SseParsingTests
{
    private static readonly PlannedRequest Request = new("requests", 0, 0, false, [500, 501, 502, 503, 504], 7);

    [Fact]
    public async Task A_streamed_completion_over_real_HTTP_is_timed_chunk_by_chunk_and_counted_from_usage()
    {
        await using var server = new SseTestServer();
        using var endpoint = new CompletionEndpoint(server.BaseAddress, TimeSpan.FromSeconds(30));

        var record = await endpoint.CompleteAsync(Request, "bench-model", Stopwatch.StartNew(), CancellationToken.None);

        Assert.Null(record.Error);
        Assert.True(record.Succeeded);
        Assert.Equal(7, record.OutputTokens);
        Assert.Equal(7, record.ChunkTimesS.Count); // the finish-only chunk is not a token
        Assert.Equal("length", record.FinishReason);
        Assert.Equal(record.ChunkTimesS[0], record.TtftS);
        Assert.True(record.ChunkTimesS.Zip(record.ChunkTimesS.Skip(1)).All(p => p.First <= p.Second));
        Assert.True(record.E2eS >= record.TtftS);
        Assert.Equal(5, record.PromptTokens);
    }

    [Fact]
    public async Task The_request_sends_token_ids_an_exact_length_and_asks_for_usage()
    {
        await using var server = new SseTestServer();
        using var endpoint = new CompletionEndpoint(server.BaseAddress, TimeSpan.FromSeconds(30));

        await endpoint.CompleteAsync(Request, "bench-model", Stopwatch.StartNew(), CancellationToken.None);

        var body = Assert.Single(server.Requests);
        Assert.Equal([500, 501, 502, 503, 504], body.GetProperty("prompt").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(7, body.GetProperty("max_tokens").GetInt32());
        Assert.True(body.GetProperty("ignore_eos").GetBoolean());
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("bench-model", body.GetProperty("model").GetString());
        Assert.Equal("bench-model", await endpoint.FirstModelIdAsync(CancellationToken.None));
        Assert.Equal(new GatewayHealth(true, 1, 2), await endpoint.HealthAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Frames_split_across_writes_with_comments_CRLF_and_multi_line_data_are_reassembled()
    {
        // Bytes cut mid-line and mid-frame, as TCP may deliver them.
        await using var server = new SseTestServer(async (_, response) =>
        {
            response.ContentType = "text/event-stream";
            response.SendChunked = true;
            foreach (var piece in new[] { ": keep-alive\r\n\r\nda", "ta: {\"choices\":[{\"text\":\"a\"}]}\r", "\n\r\nevent: x\ndata: {\"choices\":\ndata: [{\"text\":\"b\"}]}\n\n", "data: [DONE]\n\n" })
            {
                await response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(piece));
                await response.OutputStream.FlushAsync();
            }
        });
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(server.BaseAddress, "v1/completions"), new StringContent("{}"));
        var events = new List<string>();
        await foreach (var data in SseEventReader.ReadDataAsync(await response.Content.ReadAsStreamAsync())) events.Add(data);

        Assert.Equal(["{\"choices\":[{\"text\":\"a\"}]}", "{\"choices\":\n[{\"text\":\"b\"}]}", "[DONE]"], events);
    }

    [Fact]
    public async Task A_stream_that_ends_without_DONE_is_a_lost_request()
    {
        await using var server = new SseTestServer(async (_, response) =>
        {
            response.ContentType = "text/event-stream";
            response.SendChunked = true;
            await SseTestServer.Frame(response.OutputStream, """{"choices":[{"text":"x","finish_reason":null}]}""");
        });
        using var endpoint = new CompletionEndpoint(server.BaseAddress, TimeSpan.FromSeconds(30));

        var record = await endpoint.CompleteAsync(Request, "m", Stopwatch.StartNew(), CancellationToken.None);

        Assert.Equal("stream ended without [DONE]", record.Error);
        Assert.False(record.Succeeded);
    }

    [Fact]
    public async Task An_error_frame_or_an_error_status_is_recorded_with_the_servers_message()
    {
        await using var midStream = new SseTestServer(async (_, response) =>
        {
            response.ContentType = "text/event-stream";
            response.SendChunked = true;
            await SseTestServer.Frame(response.OutputStream, """{"error":{"message":"decode worker lost","type":"server_error"}}""");
            await SseTestServer.Frame(response.OutputStream, "[DONE]");
        });
        await using var rejected = new SseTestServer(async (_, response) =>
        {
            response.StatusCode = (int)HttpStatusCode.BadRequest;
            await response.OutputStream.WriteAsync("""{"error":{"message":"max_tokens too large"}}"""u8.ToArray());
        });
        using var a = new CompletionEndpoint(midStream.BaseAddress, TimeSpan.FromSeconds(30));
        using var b = new CompletionEndpoint(rejected.BaseAddress, TimeSpan.FromSeconds(30));

        var streamed = await a.CompleteAsync(Request, "m", Stopwatch.StartNew(), CancellationToken.None);
        var refused = await b.CompleteAsync(Request, "m", Stopwatch.StartNew(), CancellationToken.None);

        Assert.Equal("decode worker lost", streamed.Error);
        Assert.StartsWith("HTTP 400", refused.Error);
        Assert.Contains("max_tokens too large", refused.Error);
    }

    [Fact]
    public async Task The_prompt_tokens_the_server_had_cached_are_read_from_the_usage_chunk()
    {
        await using var server = new SseTestServer(async (request, response) =>
        {
            response.ContentType = "text/event-stream";
            response.SendChunked = true;
            for (int i = 0; i < 7; i++) await SseTestServer.Frame(response.OutputStream, $$"""{"choices":[{"index":0,"text":"t{{i}}","finish_reason":null}]}""");
            await SseTestServer.Frame(response.OutputStream, """{"choices":[{"index":0,"text":"","finish_reason":"length"}]}""");
            await SseTestServer.Frame(response.OutputStream,
                """{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":4}}}""");
            await SseTestServer.Frame(response.OutputStream, "[DONE]");
        });
        await using var older = new SseTestServer();
        using var endpoint = new CompletionEndpoint(server.BaseAddress, TimeSpan.FromSeconds(30));
        using var olderEndpoint = new CompletionEndpoint(older.BaseAddress, TimeSpan.FromSeconds(30));

        var record = await endpoint.CompleteAsync(Request, "m", Stopwatch.StartNew(), CancellationToken.None);
        var unreported = await olderEndpoint.CompleteAsync(Request, "m", Stopwatch.StartNew(), CancellationToken.None);

        Assert.True(record.Succeeded, record.Error);
        Assert.Equal(4, record.CachedTokens);
        Assert.Null(unreported.CachedTokens); // a server without prompt_tokens_details: unknown, not zero
        Assert.Equal(32, StreamedChunk.Parse("""{"choices":[],"usage":{"prompt_tokens":40,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":32}}}""").CachedTokens);
        Assert.Null(StreamedChunk.Parse("""{"choices":[],"usage":{"prompt_tokens":40,"completion_tokens":1,"prompt_tokens_details":null}}""").CachedTokens);
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"text":"hi","finish_reason":null}]}""", true, null, null)]
    [InlineData("""{"choices":[{"index":0,"text":"","finish_reason":null}]}""", true, null, null)]
    [InlineData("""{"choices":[{"index":0,"text":"","finish_reason":"length"}]}""", false, "length", null)]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}""", true, null, null)]
    [InlineData("""{"choices":[{"index":0,"delta":{"role":"assistant"}}]}""", false, null, null)]
    [InlineData("""{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}}""", false, null, 9)]
    public void Chunks_of_text_and_chat_streams_are_read_alike(string data, bool carriesToken, string? finish, int? completionTokens)
    {
        var chunk = StreamedChunk.Parse(data);
        Assert.Equal(carriesToken, chunk.CarriesToken);
        Assert.Equal(finish, chunk.FinishReason);
        Assert.Equal(completionTokens, chunk.CompletionTokens);
        Assert.Null(chunk.Error);
    }
}
