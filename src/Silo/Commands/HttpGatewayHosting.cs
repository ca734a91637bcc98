using System.Net;
using Dynamo.Orleans.Client;
using Dynamo.Orleans.Gateway;
using Dynamo.Orleans.Gateway.Hosting;
using Dynamo.Orleans.Silo.Clustering;
using Dynamo.Orleans.Silo.Logging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>
/// The OpenAI-compatible HTTP front of <c>dynamo serve</c>: beside a silo (over the silo's own grain factory), or alone
/// with <c>--role gateway</c> as an Orleans client of a cluster that runs in other processes.
/// </summary>
internal static class HttpGatewayHosting
{
    public const string Role = "gateway";
    public const int DefaultPort = 8000;

    /// <summary>Starts the HTTP front over a silo's grain factory on <paramref name="address"/>, or returns null when <paramref name="port"/> is 0.</summary>
    public static async Task<GatewayServer?> StartBesideSiloAsync(IHost silo, IConfiguration configuration, IPAddress address, int port, string? apiKey,
                                                                  CancellationToken cancellationToken)
    {
        if (port == 0) return null;
        return await GatewayServer.StartAsync(silo.Services.GetRequiredService<IGrainFactory>(), o => Configure(o, configuration, address, port, apiKey),
                                              cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Only the HTTP front: an Orleans client of the cluster. With Redis membership it finds the silos' gateways there;
    /// on localhost through <paramref name="primary"/> (a silo's client gateway endpoint, its --gateway-port) or local
    /// silos' <paramref name="gatewayPorts"/>. The API listens on <paramref name="address"/>.
    /// </summary>
    public static async Task<int> RunClientAsync(Membership membership, IPEndPoint? primary, IReadOnlyList<int> gatewayPorts, string clusterId,
                                                 IPAddress address, int port, string? apiKey, string? logLevel, CancellationToken cancellationToken)
    {
        if (port == 0) throw new ArgumentException("--role gateway needs an HTTP port: --http-port must not be 0");
        PortCheck.EnsureFree(address, port, "--http-port");
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddEnvironmentVariables("DYNAMO_");
        var consoleLevels = ConsoleLogLevels.Install(builder, logLevel);
        builder.UseOrleansClient(client =>
        {
            client.UseDynamoMembership(membership, clusterId, gatewayPorts, primary);
            client.AddDynamoClient();
        });
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        await using (var http = await GatewayServer.StartAsync(host.Services.GetRequiredService<IClusterClient>(),
                         o => Configure(o, builder.Configuration, address, port, apiKey), cancellationToken: cancellationToken))
        {
            var cluster = membership is Membership.Redis ? membership.ToString()
                : primary?.ToString() ?? "localhost gateway ports " + string.Join(",", gatewayPorts);
            consoleLevels.Started();
            Console.WriteLine($"dynamo serve: ready (role gateway, cluster via {cluster}, OpenAI API at {string.Join(" ", http.Addresses)}v1)");
            await host.WaitForShutdownAsync(cancellationToken);
        }
        return 0;
    }

    /// <summary>The "Gateway" configuration section first, then the command line.</summary>
    private static void Configure(GatewayOptions options, IConfiguration configuration, IPAddress address, int port, string? apiKey)
    {
        configuration.GetSection(GatewayOptions.SectionName).Bind(options);
        options.Urls = $"http://{(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString())}:{port}";
        if (apiKey is { Length: > 0 }) options.ApiKey = apiKey;
    }

    public static IReadOnlyList<int> ParsePorts(string? text) => text is null
        ? [30000]
        : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
              .Select(p => int.TryParse(p, out var port) && port is > 0 and < 65536 ? port : throw new ArgumentException($"--gateway-ports: '{p}' is not a port"))
              .ToList();
}
