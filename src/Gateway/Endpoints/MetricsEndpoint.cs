using Dynamo.Orleans.Gateway.Diagnostics;
using Dynamo.Orleans.Gateway.Serving;
using Microsoft.Extensions.Logging;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary><c>GET /metrics</c>: Prometheus text, with the workers' KV gauges as fresh as the fabric status.</summary>
public static class MetricsEndpoint
{
    public static async Task<IResult> Scrape(PrometheusExporter exporter, FabricStatusCache fabric, ILogger<PrometheusExporter> logger)
    {
        try
        {
            await fabric.RefreshAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The front end's own numbers are still worth scraping; the worker gauges keep their last values.
            logger.LogWarning(e, "Fabric status unavailable for /metrics");
        }
        return TypedResults.Text(exporter.Scrape(), PrometheusExporter.ContentType);
    }
}
