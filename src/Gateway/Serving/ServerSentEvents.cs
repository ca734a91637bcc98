using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dynamo.Orleans.Gateway.Errors;
using Dynamo.Orleans.Gateway.Protocol;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>
/// OpenAI's streaming framing: each event is <c>data: {json}\n\n</c>, flushed at once, and the stream ends with
/// <c>data: [DONE]\n\n</c>. An error after the first byte cannot change the status any more, so it becomes one last
/// <c>data: {"error": ...}</c> event before <c>[DONE]</c>.
/// </summary>
public static class ServerSentEvents
{
    private static readonly byte[] Prefix = "data: "u8.ToArray();
    private static readonly byte[] Separator = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    /// <summary>Sends the headers, runs <paramref name="writeEvents"/>, and ends the stream however it went.</summary>
    public static async Task StreamAsync(HttpContext http, Func<Task> writeEvents, ILogger logger)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // a reverse proxy must not hold tokens back
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        try
        {
            await writeEvents();
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            return; // the client left (a write or the sequence saw it); its sequence is cancelled with the request
        }
        catch (Exception e)
        {
            var error = ApiErrorFilter.Map(e);
            logger.LogWarning(e, "Stream {Path} failed after it started: {Message}", http.Request.Path, error.Message);
            if (!await TryWriteAsync(http, () => WriteAsync(http, error.ToResponse(), GatewayJsonContext.Wire.ErrorResponse))) return;
        }
        await TryWriteAsync(http, async () =>
        {
            await response.Body.WriteAsync(Done, http.RequestAborted);
            await response.Body.FlushAsync(http.RequestAborted);
        });
    }

    /// <summary>A write that may meet a client already gone: that is the end of the stream, not an error.</summary>
    private static async Task<bool> TryWriteAsync(HttpContext http, Func<Task> write)
    {
        try
        {
            await write();
            return true;
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            return false;
        }
    }

    public static async Task WriteAsync<T>(HttpContext http, T value, JsonTypeInfo<T> type)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var frame = new byte[Prefix.Length + json.Length + Separator.Length];
        Prefix.CopyTo(frame, 0);
        json.CopyTo(frame, Prefix.Length);
        Separator.CopyTo(frame, Prefix.Length + json.Length);
        await http.Response.Body.WriteAsync(frame, http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }
}
