using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Gateway.Serving;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary><c>POST /v1/completions</c> (legacy completions), whole or streamed.</summary>
public static class CompletionsEndpoint
{
    public static Task<IResult> Handle(HttpContext http, SequenceRunner runner, IOptions<GatewayOptions> options, ILogger<SequenceRunner> logger) =>
        GenerationEndpoint.HandleAsync(http, runner, options.Value, logger, GatewayJsonContext.Wire.CompletionRequest, "cmpl-",
            body => body.ToGenerateRequest(), Whole, StreamAsync);

    private static IResult Whole(Generation g, string text, IReadOnlyList<TokenLogprobInfo> logprobs)
    {
        var choice = new CompletionChoice(0, text, g.TopLogprobs is { } n ? CompletionLogprobs.From(logprobs, n, 0) : null, g.Run.OpenAIFinishReason());
        return TypedResults.Json(new CompletionResponse(g.Id, g.Created, g.Model, [choice], Usage.From(g.Run.Usage)),
            GatewayJsonContext.Wire.CompletionResponse);
    }

    private static async Task StreamAsync(Generation g)
    {
        var type = GatewayJsonContext.Wire.CompletionResponse;
        int offset = 0;
        await foreach (var chunk in g.Run.ReadAllAsync(g.Http.RequestAborted))
        {
            bool hasLogprobs = g.TopLogprobs is not null && chunk.Logprobs is { Count: > 0 };
            bool last = chunk.FinishReason is not null;
            if (chunk.Text.Length == 0 && !hasLogprobs && !last) continue; // tokens still forming a character
            var logprobs = hasLogprobs ? CompletionLogprobs.From(chunk.Logprobs!, g.TopLogprobs!.Value, offset) : null;
            offset += chunk.Text.Length;
            var choice = new CompletionChoice(0, chunk.Text, logprobs, last ? g.Run.OpenAIFinishReason() : null);
            await ServerSentEvents.WriteAsync(g.Http, new CompletionResponse(g.Id, g.Created, g.Model, [choice], null), type);
        }
        if (g.Run.FinishReason is null) g.Run.OpenAIFinishReason(); // throws: the stream ended without its last chunk
        if (g.IncludeUsage)
            await ServerSentEvents.WriteAsync(g.Http, new CompletionResponse(g.Id, g.Created, g.Model, [], Usage.From(g.Run.Usage)), type);
    }
}
