using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Dynamo.Orleans.Gateway.Hosting;

/// <summary>
/// The gateway as a Kestrel server of its own over an existing <see cref="IGrainFactory"/>: inside a silo process the
/// silo's grain factory (no extra hop), standalone an Orleans client's. Its lifetime is separate from the Orleans
/// host's, so the HTTP side stops before the cluster connection it uses.
/// </summary>
public sealed class GatewayServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayServer(WebApplication app) => _app = app;

    /// <summary>The addresses Kestrel bound (port 0 in <see cref="GatewayOptions.Urls"/> resolved to the real one).</summary>
    public IReadOnlyList<Uri> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();

    public IServiceProvider Services => _app.Services;

    public static async Task<GatewayServer> StartAsync(IGrainFactory grains, Action<GatewayOptions>? configure = null,
                                                       Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var options = new GatewayOptions();
        configure?.Invoke(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        builder.Services.AddSingleton(grains);
        builder.Services.AddDynamoGateway(configure);
        var app = builder.Build();
        app.MapDynamoGateway();
        await app.StartAsync(cancellationToken);
        return new GatewayServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
