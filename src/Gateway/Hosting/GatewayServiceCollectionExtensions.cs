using Dynamo.Orleans.Client;
using Dynamo.Orleans.Gateway.Diagnostics;
using Dynamo.Orleans.Gateway.Errors;
using Dynamo.Orleans.Gateway.Serving;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dynamo.Orleans.Gateway.Hosting;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// The gateway's services. The container must also hold an <see cref="IGrainFactory"/>: a silo's own, or an Orleans
    /// client's (<c>UseOrleansClient</c>). Map the endpoints with <see cref="GatewayEndpointRouteBuilderExtensions.MapDynamoGateway"/>.
    /// </summary>
    public static IServiceCollection AddDynamoGateway(this IServiceCollection services, Action<GatewayOptions>? configure = null)
    {
        var options = services.AddOptions<GatewayOptions>();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(sp => sp.GetRequiredService<IGrainFactory>().Dynamo());
        services.TryAddSingleton<AdmissionGate>();
        services.TryAddSingleton<FabricStatusCache>();
        services.TryAddSingleton(sp =>
        {
            var admission = sp.GetRequiredService<AdmissionGate>();
            var fabric = sp.GetRequiredService<FabricStatusCache>();
            return new GatewayMetrics(() => admission.Running, () => admission.Queued, () => fabric.Latest);
        });
        services.TryAddSingleton<PrometheusExporter>();
        services.TryAddSingleton<SequenceRunner>();
        services.TryAddSingleton<ApiErrorFilter>();
        services.TryAddSingleton<ApiKeyFilter>();
        services.TryAddSingleton<RequestCountFilter>();
        return services;
    }
}
