using System.Text;
using System.Text.Json.Nodes;
using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Gateway.Serving;
using Dynamo.Orleans.Workers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>
/// Once a stream has started its status is sent; a failure after that must still reach the client, as one last
/// <c>data: {"error": ...}</c> event before <c>[DONE]</c>. (A fabric failure mid-stream is hard to cause on cue, so
/// the framing is checked on the SSE writer itself.)
/// </summary>
public sealed class MidStreamErrorTests
{
    [Fact]
    public async Task A_failure_after_the_first_event_becomes_an_error_event_then_DONE()
    {
        var http = new DefaultHttpContext();
        var body = new MemoryStream();
        http.Response.Body = body;
        await ServerSentEvents.StreamAsync(http, async () =>
        {
            await ServerSentEvents.WriteAsync(http, new ChatCompletionChunk("chatcmpl-1", 1, "m", [new ChatChunkChoice(0, new ChatDelta("assistant", ""), null, null)]),
                GatewayJsonContext.Wire.ChatCompletionChunk);
            throw new WorkerPoolException("no decode worker is available");
        }, NullLogger.Instance);

        Assert.Equal(200, http.Response.StatusCode);
        Assert.Equal("text/event-stream; charset=utf-8", http.Response.ContentType);
        var frames = ServerSentEventFrames.Split(body.ToArray());
        Assert.Equal(3, frames.Count);
        Assert.Equal("chatcmpl-1", (string)JsonNode.Parse(frames[0])!["id"]!);
        var error = JsonNode.Parse(frames[1])!["error"]!;
        Assert.Equal("no decode worker is available", (string)error["message"]!);
        Assert.Equal("no_decode_worker", (string)error["code"]!);
        Assert.EndsWith("data: [DONE]\n\n", Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task A_client_that_left_gets_nothing_more_and_no_error_is_raised()
    {
        using var aborted = new CancellationTokenSource();
        var http = new DefaultHttpContext { RequestAborted = aborted.Token };
        var body = new MemoryStream();
        http.Response.Body = body;
        await ServerSentEvents.StreamAsync(http, async () =>
        {
            await ServerSentEvents.WriteAsync(http, new ChatCompletionChunk("chatcmpl-2", 1, "m", []), GatewayJsonContext.Wire.ChatCompletionChunk);
            await aborted.CancelAsync();
            throw new OperationCanceledException(aborted.Token);
        }, NullLogger.Instance);
        Assert.Single(Encoding.UTF8.GetString(body.ToArray()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries));
    }
}
