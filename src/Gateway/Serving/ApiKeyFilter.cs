using System.Security.Cryptography;
using System.Text;
using Dynamo.Orleans.Gateway.Errors;
using Dynamo.Orleans.Gateway.Protocol;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>When <see cref="GatewayOptions.ApiKey"/> is set, <c>/v1</c> requires <c>Authorization: Bearer &lt;key&gt;</c> (401 otherwise).</summary>
public sealed class ApiKeyFilter(IOptions<GatewayOptions> options) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (options.Value.ApiKey is not { Length: > 0 } key) return next(context);
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        bool ok = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
                  // Fixed-time comparison: response timing must not reveal how much of a guessed key was right.
                  && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()), Encoding.UTF8.GetBytes(key));
        if (ok) return next(context);
        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        var message = header.Length == 0
            ? "You didn't provide an API key. Send it in the Authorization header as 'Bearer YOUR_KEY'."
            : "Incorrect API key provided.";
        var error = new ApiError(StatusCodes.Status401Unauthorized, message, "invalid_request_error", null, "invalid_api_key");
        return ValueTask.FromResult<object?>(TypedResults.Json(error.ToResponse(), GatewayJsonContext.Wire.ErrorResponse, statusCode: error.Status));
    }
}
