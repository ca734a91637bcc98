using Dynamo.Orleans.Gateway.Errors;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary>
/// Any other <c>/v1</c> request: a path this server implements but with another method is OpenAI's 405 (with
/// <c>Allow</c>), any other path (embeddings, images, ...) its 404 — each with an error body rather than an empty one,
/// so SDKs show why.
/// </summary>
public static class UnknownEndpoint
{
    public static IResult Handle(HttpContext http)
    {
        var path = http.Request.Path.Value?.TrimEnd('/') ?? "";
        string? allowed = path switch
        {
            "/v1/chat/completions" or "/v1/completions" => "POST",
            "/v1/models" => "GET",
            _ when path.StartsWith("/v1/models/", StringComparison.Ordinal) && path.IndexOf('/', "/v1/models/".Length) < 0 => "GET",
            _ => null,
        };
        if (allowed is not null && !HttpMethods.Equals(http.Request.Method, allowed))
        {
            http.Response.Headers.Allow = allowed;
            throw new ApiError(StatusCodes.Status405MethodNotAllowed, $"Method {http.Request.Method} is not allowed on {path}: use {allowed}.",
                "invalid_request_error", null, "method_not_allowed");
        }
        throw new ApiError(StatusCodes.Status404NotFound, $"Invalid URL ({http.Request.Method} {http.Request.Path}): this server implements /v1/chat/completions, /v1/completions and /v1/models.",
            "invalid_request_error", null, "unknown_url");
    }
}
