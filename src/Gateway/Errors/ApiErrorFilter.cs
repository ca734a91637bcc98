using System.Text.Json;
using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Logging;

namespace Dynamo.Orleans.Gateway.Errors;

/// <summary>
/// Turns a refused or failed request into OpenAI's error JSON with its status. Only while nothing has been sent: a
/// stream that already started reports its error as a last SSE event instead (see <see cref="Serving.ServerSentEvents"/>).
/// </summary>
public sealed class ApiErrorFilter(ILogger<ApiErrorFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        try
        {
            return await next(context);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody reads a response, and the sequence was cancelled with the request.
            return TypedResults.Empty;
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            var error = Map(e);
            if (error.Status >= 500) logger.LogWarning(e, "Request {Path} failed: {Message}", http.Request.Path, error.Message);
            if (error.RetryAfter is { } retry)
                http.Response.Headers.RetryAfter = ((int)Math.Ceiling(Math.Max(1, retry.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Json(error.ToResponse(), GatewayJsonContext.Wire.ErrorResponse, statusCode: error.Status);
        }
    }

    /// <summary>The OpenAI-shaped error for any exception a request can meet.</summary>
    public static ApiError Map(Exception e) => e switch
    {
        ApiError api => api,
        RequestValidationException invalid => ApiError.Invalid(invalid.Message, invalid.Param),
        WorkerPoolException pool => ApiError.Unavailable(pool.Message),
        JsonException json => ApiError.Invalid($"We could not parse the JSON body of your request: {json.Message}", ParamOf(json.Path)),
        BadHttpRequestException bad => new ApiError(bad.StatusCode, bad.Message, "invalid_request_error", null,
            bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "request_too_large" : null),
        global::Orleans.Runtime.OrleansException orleans => ApiError.Unavailable($"The cluster is unavailable: {orleans.Message}", "cluster_unavailable"),
        TimeoutException timeout => ApiError.Unavailable($"The cluster did not answer in time: {timeout.Message}", "timeout"),
        _ => new ApiError(StatusCodes.Status500InternalServerError, $"The server failed to process the request: {e.Message}", "server_error"),
    };

    private static string? ParamOf(string? path) =>
        path is null or "$" ? null : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}
