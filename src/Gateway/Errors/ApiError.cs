using Dynamo.Orleans.Gateway.Protocol;

namespace Dynamo.Orleans.Gateway.Errors;

/// <summary>
/// A request refused with an HTTP status and OpenAI's error body. Thrown anywhere before a response starts;
/// <see cref="ApiErrorFilter"/> turns it into the response.
/// </summary>
public sealed class ApiError(int status, string message, string type, string? param = null, string? code = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    /// <summary>Sent as <c>Retry-After</c> (whole seconds) when the cluster is saturated.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public ErrorResponse ToResponse() => new(new ErrorBody(Message, Type, Param, Code));

    public static ApiError Invalid(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    public static ApiError Unsupported(string param, string message) => Invalid(message, param, "unsupported_parameter");

    public static ApiError ModelNotFound(string? model, string served) =>
        new(StatusCodes.Status404NotFound, $"The model '{model}' does not exist; this server serves '{served}'.", "invalid_request_error", "model", "model_not_found");

    /// <summary>How long a client told "unavailable" should wait: the cluster usually recovers (a worker joins or a
    /// drained one is replaced) within seconds.</summary>
    public static readonly TimeSpan UnavailableRetryAfter = TimeSpan.FromSeconds(1);

    public static ApiError Unavailable(string message, string code = "no_decode_worker") =>
        new(StatusCodes.Status503ServiceUnavailable, message, "service_unavailable", null, code) { RetryAfter = UnavailableRetryAfter };
}
