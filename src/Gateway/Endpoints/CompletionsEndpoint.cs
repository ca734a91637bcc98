using System.Diagnostics;
using System.Text;
using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Gateway.Serving;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary><c>POST /v1/completions</c> (legacy completions), whole or streamed.</summary>
public static class CompletionsEndpoint
{
    public static async Task<IResult> Handle(HttpContext http, SequenceRunner runner, IOptions<GatewayOptions> options, ILogger<SequenceRunner> logger)
    {
        var arrivedAt = Stopwatch.GetTimestamp();
        var body = await RequestBody.ReadAsync(http, GatewayJsonContext.Wire.CompletionRequest, options.Value.MaxRequestBodyBytes);
        var request = body.ToGenerateRequest();
        var id = "cmpl-" + Guid.NewGuid().ToString("N");
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
            var choice = new CompletionChoice(0, text.ToString(), top is { } n ? CompletionLogprobs.From(logprobs, n, 0) : null, run.OpenAIFinishReason());
            return TypedResults.Json(new CompletionResponse(id, created, run.Model, [choice], Usage.From(run.Usage)),
                GatewayJsonContext.Wire.CompletionResponse);
        }

        var type = GatewayJsonContext.Wire.CompletionResponse;
        await ServerSentEvents.StreamAsync(http, async () =>
        {
            int offset = 0;
            await foreach (var chunk in run.ReadAllAsync(http.RequestAborted))
            {
                bool hasLogprobs = top is not null && chunk.Logprobs is { Count: > 0 };
                bool last = chunk.FinishReason is not null;
                if (chunk.Text.Length == 0 && !hasLogprobs && !last) continue; // tokens still forming a character
                var logprobs = hasLogprobs ? CompletionLogprobs.From(chunk.Logprobs!, top!.Value, offset) : null;
                offset += chunk.Text.Length;
                var choice = new CompletionChoice(0, chunk.Text, logprobs, last ? run.OpenAIFinishReason() : null);
                await ServerSentEvents.WriteAsync(http, new CompletionResponse(id, created, run.Model, [choice], null), type);
            }
            if (run.FinishReason is null) run.OpenAIFinishReason(); // throws: the stream ended without its last chunk
            if (body.StreamOptions?.IncludeUsage == true)
                await ServerSentEvents.WriteAsync(http, new CompletionResponse(id, created, run.Model, [], Usage.From(run.Usage)), type);
        }, logger);
        return TypedResults.Empty;
    }
}
