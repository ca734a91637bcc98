using System.Diagnostics;
using System.Text;
using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Gateway.Serving;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary><c>POST /v1/chat/completions</c>, whole or streamed.</summary>
public static class ChatCompletionsEndpoint
{
    public static async Task<IResult> Handle(HttpContext http, SequenceRunner runner, IOptions<GatewayOptions> options, ILogger<SequenceRunner> logger)
    {
        var arrivedAt = Stopwatch.GetTimestamp();
        var body = await RequestBody.ReadAsync(http, GatewayJsonContext.Wire.ChatCompletionRequest, options.Value.MaxRequestBodyBytes);
        var request = body.ToGenerateRequest(options.Value);
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await using var run = await runner.StartAsync(request, id, arrivedAt, http.RequestAborted);
        int? top = request.Logprobs;
        if (!body.Stream)
        {
            var text = new StringBuilder();
            var logprobs = new List<TokenLogprobInfo>();
            await foreach (var chunk in run.ReadAllAsync(http.RequestAborted))
            {
                text.Append(chunk.Text);
                if (chunk.Logprobs is { } l) logprobs.AddRange(l);
            }
            var choice = new ChatChoice(0, new AssistantMessage(text.ToString()), top is { } n ? ChatLogprobs.From(logprobs, n) : null, run.OpenAIFinishReason());
            return TypedResults.Json(new ChatCompletionResponse(id, created, run.Model, [choice], Usage.From(run.Usage)),
                GatewayJsonContext.Wire.ChatCompletionResponse);
        }

        var type = GatewayJsonContext.Wire.ChatCompletionChunk;
        await ServerSentEvents.StreamAsync(http, async () =>
        {
            // OpenAI opens every stream with the role and empty content.
            await ServerSentEvents.WriteAsync(http, new ChatCompletionChunk(id, created, run.Model, [new ChatChunkChoice(0, new ChatDelta("assistant", ""), null, null)]), type);
            await foreach (var chunk in run.ReadAllAsync(http.RequestAborted))
            {
                bool hasLogprobs = top is not null && chunk.Logprobs is { Count: > 0 };
                if (chunk.Text.Length == 0 && !hasLogprobs) continue; // tokens still forming a character; they come with the next text
                var logprobs = hasLogprobs ? ChatLogprobs.From(chunk.Logprobs!, top!.Value) : null;
                await ServerSentEvents.WriteAsync(http, new ChatCompletionChunk(id, created, run.Model, [new ChatChunkChoice(0, new ChatDelta(Content: chunk.Text), logprobs, null)]), type);
            }
            await ServerSentEvents.WriteAsync(http, new ChatCompletionChunk(id, created, run.Model, [new ChatChunkChoice(0, new ChatDelta(), null, run.OpenAIFinishReason())]), type);
            if (body.StreamOptions?.IncludeUsage == true)
                await ServerSentEvents.WriteAsync(http, new ChatCompletionChunk(id, created, run.Model, [], Usage.From(run.Usage)), type);
        }, logger);
        return TypedResults.Empty;
    }
}
