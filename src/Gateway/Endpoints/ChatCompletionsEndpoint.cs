using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Gateway.Serving;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary><c>POST /v1/chat/completions</c>, whole or streamed.</summary>
public static class ChatCompletionsEndpoint
{
    public static Task<IResult> Handle(HttpContext http, SequenceRunner runner, IOptions<GatewayOptions> options, ILogger<SequenceRunner> logger) =>
        GenerationEndpoint.HandleAsync(http, runner, options.Value, logger, GatewayJsonContext.Wire.ChatCompletionRequest, "chatcmpl-",
            body => body.ToGenerateRequest(), Whole, StreamAsync, WireName);

    /// <summary>max_completion_tokens wins over max_tokens when both are sent, so an error about the value names it.</summary>
    private static string WireName(ChatCompletionRequest body, string parameter) =>
        parameter == "max_tokens" && body.MaxCompletionTokens is not null ? "max_completion_tokens" : parameter;

    private static IResult Whole(Generation g, string text, IReadOnlyList<TokenLogprobInfo> logprobs)
    {
        var choice = new ChatChoice(0, new AssistantMessage(text), g.TopLogprobs is { } n ? ChatLogprobs.From(logprobs, n) : null, g.Run.OpenAIFinishReason());
        return TypedResults.Json(new ChatCompletionResponse(g.Id, g.Created, g.Model, [choice], Usage.From(g.Run.Usage)),
            GatewayJsonContext.Wire.ChatCompletionResponse);
    }

    private static async Task StreamAsync(Generation g)
    {
        var type = GatewayJsonContext.Wire.ChatCompletionChunk;
        // OpenAI opens every stream with the role and empty content.
        await ServerSentEvents.WriteAsync(g.Http, new ChatCompletionChunk(g.Id, g.Created, g.Model, [new ChatChunkChoice(0, new ChatDelta("assistant", ""), null, null)]), type);
        await foreach (var chunk in g.Run.ReadAllAsync(g.Http.RequestAborted))
        {
            bool hasLogprobs = g.TopLogprobs is not null && chunk.Logprobs is { Count: > 0 };
            if (chunk.Text.Length == 0 && !hasLogprobs) continue; // tokens still forming a character; they come with the next text
            var logprobs = hasLogprobs ? ChatLogprobs.From(chunk.Logprobs!, g.TopLogprobs!.Value) : null;
            await ServerSentEvents.WriteAsync(g.Http, new ChatCompletionChunk(g.Id, g.Created, g.Model, [new ChatChunkChoice(0, new ChatDelta(Content: chunk.Text), logprobs, null)]), type);
        }
        await ServerSentEvents.WriteAsync(g.Http, new ChatCompletionChunk(g.Id, g.Created, g.Model, [new ChatChunkChoice(0, new ChatDelta(), null, g.Run.OpenAIFinishReason())]), type);
        if (g.IncludeUsage)
            await ServerSentEvents.WriteAsync(g.Http, new ChatCompletionChunk(g.Id, g.Created, g.Model, [], Usage.From(g.Run.Usage)), type);
    }
}
