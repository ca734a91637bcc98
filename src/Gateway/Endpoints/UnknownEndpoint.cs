using Dynamo.Orleans.Gateway.Errors;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary>Any other <c>/v1</c> path (embeddings, images, ...): OpenAI's 404 body rather than an empty one, so SDKs show why.</summary>
public static class UnknownEndpoint
{
    public static IResult Handle(HttpContext http) =>
        throw new ApiError(StatusCodes.Status404NotFound, $"Invalid URL ({http.Request.Method} {http.Request.Path}): this server implements /v1/chat/completions, /v1/completions and /v1/models.",
            "invalid_request_error", null, "unknown_url");
}
