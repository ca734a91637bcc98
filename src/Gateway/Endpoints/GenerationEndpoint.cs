using System.Diagnostics;
using System.Text;
using System.Text.Json.Serialization.Metadata;
using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Gateway.Serving;
using Microsoft.Extensions.Logging;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary>
/// The skeleton both OpenAI generation endpoints share: read and translate the body, start the sequence, then either
/// collect the whole completion or stream it as server-sent events. An endpoint supplies only its response shapes.
/// </summary>
internal static class GenerationEndpoint
{
    /// <param name="idPrefix">OpenAI's prefix for the response id ("chatcmpl-", "cmpl-"); the id also keys the sequence grain.</param>
    /// <param name="whole">The non-streamed response, from all the text and the logprobs of every token.</param>
    /// <param name="stream">Writes the events of a streamed response.</param>
    /// <param name="wireName">The body's name for a parameter the fabric names (chat's max_completion_tokens is the
    /// fabric's max_tokens), so that an error names what the client sent.</param>
    public static async Task<IResult> HandleAsync<TBody>(
        HttpContext http, SequenceRunner runner, GatewayOptions options, ILogger logger, JsonTypeInfo<TBody> bodyType, string idPrefix,
        Func<TBody, GenerateRequest> translate, Func<Generation, string, IReadOnlyList<TokenLogprobInfo>, IResult> whole,
        Func<Generation, Task> stream, Func<TBody, string, string>? wireName = null)
        where TBody : GenerationRequest
    {
        var arrivedAt = Stopwatch.GetTimestamp();
        var body = await RequestBody.ReadAsync(http, bodyType, options.MaxRequestBodyBytes);
        var request = translate(body);
        var id = idPrefix + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        SequenceRun started;
        try
        {
            started = await runner.StartAsync(request, id, arrivedAt, http.RequestAborted);
        }
        catch (RequestValidationException e) when (e.Param is { } param && wireName?.Invoke(body, param) is { } wire && wire != param)
        {
            var message = e.Message.StartsWith(param + " ", StringComparison.Ordinal) ? wire + e.Message[param.Length..] : e.Message;
            throw new RequestValidationException(message, wire);
        }
        await using var run = started;
        var generation = new Generation(http, run, id, created, request.Logprobs, body.StreamOptions?.IncludeUsage == true);
        if (!body.Stream)
        {
            var text = new StringBuilder();
            var logprobs = new List<TokenLogprobInfo>();
            await foreach (var chunk in run.ReadAllAsync(http.RequestAborted))
            {
                text.Append(chunk.Text);
                if (chunk.Logprobs is { } l) logprobs.AddRange(l);
            }
            return whole(generation, text.ToString(), logprobs);
        }
        await ServerSentEvents.StreamAsync(http, () => stream(generation), logger);
        return TypedResults.Empty;
    }
}

/// <summary>One request being answered: what an endpoint's response shapes need.</summary>
/// <param name="TopLogprobs">Null: no logprobs asked for; N: the chosen token's plus N alternatives.</param>
/// <param name="IncludeUsage">A streamed response ends with a usage event (stream_options.include_usage).</param>
internal sealed record Generation(HttpContext Http, SequenceRun Run, string Id, long Created, int? TopLogprobs, bool IncludeUsage)
{
    public string Model => Run.Model;
}
