using Dynamo.Orleans.Gateway.Diagnostics;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>Counts every <c>/v1</c> request by endpoint and final status (<c>dynamo_frontend_requests_total</c>).</summary>
public sealed class RequestCountFilter(GatewayMetrics metrics) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var endpoint = http.Request.Path.StartsWithSegments("/v1/chat/completions") ? "chat_completions"
                     : http.Request.Path.StartsWithSegments("/v1/completions") ? "completions"
                     : http.Request.Path.StartsWithSegments("/v1/models") ? "models" : "other";
        http.Response.OnCompleted(() =>
        {
            metrics.Requests.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint),
                new KeyValuePair<string, object?>("status", http.RequestAborted.IsCancellationRequested && !http.Response.HasStarted ? "499" : http.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return Task.CompletedTask;
        });
        return next(context);
    }
}
