using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Dynamo.Orleans.Gateway.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>
/// Reads a JSON request body with the gateway's own limit and errors. Handlers read the body themselves rather than
/// binding it, because minimal-API binding answers malformed JSON with its own 400 shape, not OpenAI's.
/// </summary>
public static class RequestBody
{
    public static async Task<T> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type, long maxBytes) where T : class
    {
        if (http.Request.ContentLength > maxBytes) throw TooLarge(maxBytes);
        // A body sent as something else (curl -d without a header sends a form) is refused by name rather than parsed
        // on a guess; no Content-Type at all is taken as JSON, as OpenAI's SDKs always send it.
        if (http.Request.ContentType is { Length: > 0 } contentType && !IsJson(contentType))
            throw new ApiError(StatusCodes.Status415UnsupportedMediaType,
                $"Content-Type '{contentType}' is not supported: send the body as JSON with 'Content-Type: application/json'.",
                "invalid_request_error", null, "unsupported_media_type");
        // Kestrel enforces this while streaming a chunked body (BadHttpRequestException 413); a host's own global limit
        // might be laxer or stricter, so the gateway's option wins for its endpoints.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = maxBytes;
        try
        {
            return await JsonSerializer.DeserializeAsync(http.Request.Body, type, http.RequestAborted)
                   ?? throw ApiError.Invalid("The request body must be a JSON object.");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(maxBytes);
        }
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static ApiError TooLarge(long maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than this server accepts ({maxBytes} bytes).", "invalid_request_error", null, "request_too_large");
}
