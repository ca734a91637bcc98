using Dynamo.Orleans.Gateway.Diagnostics;
using Dynamo.Orleans.Gateway.Endpoints;
using Dynamo.Orleans.Gateway.Errors;
using Dynamo.Orleans.Gateway.Serving;
using Microsoft.Extensions.DependencyInjection;

namespace Dynamo.Orleans.Gateway.Hosting;

public static class GatewayEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the OpenAI API under <c>/v1</c> (API key checked when configured, errors in OpenAI's shape) and the probes
    /// and metrics at the root (never behind the key: orchestrators and scrapers call them).
    /// </summary>
    public static IEndpointRouteBuilder MapDynamoGateway(this IEndpointRouteBuilder endpoints)
    {
        // Created now rather than at the first scrape, so that no measurement before it is lost.
        endpoints.ServiceProvider.GetRequiredService<PrometheusExporter>();

        var v1 = endpoints.MapGroup("/v1")
            .AddEndpointFilter<RequestCountFilter>()
            .AddEndpointFilter<ApiErrorFilter>()
            .AddEndpointFilter<ApiKeyFilter>();
        v1.MapPost("/chat/completions", ChatCompletionsEndpoint.Handle);
        v1.MapPost("/completions", CompletionsEndpoint.Handle);
        v1.MapGet("/models", ModelsEndpoint.List);
        v1.MapGet("/models/{model}", ModelsEndpoint.Get);
        v1.MapFallback(UnknownEndpoint.Handle);

        endpoints.MapGet("/health", HealthEndpoints.Health);
        endpoints.MapGet("/live", HealthEndpoints.Live);
        endpoints.MapGet("/metrics", MetricsEndpoint.Scrape);
        return endpoints;
    }
}
