using System.CommandLine;
using System.Net;
using Dynamo.Orleans.Grains;
using Dynamo.Orleans.Grains.Hosting;
using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Grains.Workers;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Silo.Clustering;
using Dynamo.Orleans.Silo.Logging;
using Dynamo.Orleans.Transfer;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>
/// <c>dynamo serve</c>: one silo of the fabric. With no arguments, the all-in-one server: every role, localhost
/// clustering, the embedded default model. Settings come from appsettings.json, DYNAMO_-prefixed environment variables
/// ("Fabric" and "Gateway" sections) and, last and strongest, these options. The OpenAI-compatible HTTP API runs in the
/// same process (127.0.0.1:8000 unless the silo joins another with --primary); <c>--role gateway</c> runs only that API,
/// as an Orleans client of the cluster.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new ModelOptions();
        var role = new Option<string>("--role") { Description = "all, prefill, decode, none, or gateway (only the HTTP API, as a client of the cluster)", DefaultValueFactory = _ => "all" };
        var siloPort = new Option<int>("--silo-port") { Description = "silo-to-silo port", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Orleans client gateway port (0: none; with Redis, prefill-only and decode-only silos open none unless given)", DefaultValueFactory = _ => 30000 };
        var primary = new Option<string?>("--primary") { Description = "host:port of the primary silo to join (omit on the primary itself); with --role gateway, a silo's client gateway endpoint (its --gateway-port)" };
        var clusterId = new Option<string>("--cluster-id") { DefaultValueFactory = _ => "dynamo" };
        var dataPlanePort = new Option<int>("--data-plane-port") { Description = "KV data-plane TCP port (0: any free port)", DefaultValueFactory = _ => 0 };
        var dataPlaneAddress = new Option<string?>("--data-plane-address") { Description = "address the KV data plane listens on and peers dial (default 127.0.0.1; set a routable one across hosts)" };
        var transport = new Option<string>("--kv-transport") { Description = "auto (by locality), inprocess, sharedmemory or tcp", DefaultValueFactory = _ => "auto" };
        var threshold = new Option<int?>("--disaggregation-threshold") { Description = "prompts with fewer tokens prefill on the decode worker" };
        var routerMode = new Option<string?>("--router-mode") { Description = "how workers are picked: kv (cached prefix and load; default), least-loaded, round-robin or random" };
        var overlapWeight = new Option<double?>("--kv-overlap-weight") { Description = "kv router: weight of prefill work against blocks in use (default 4; 0 ignores the cache)" };
        var prefillQueueLimit = new Option<long?>("--prefill-queue-limit") { Description = "prompt tokens queued on a prefill worker above which it counts as busy; all busy: prefill on the decode worker (default 8192)" };
        var kvBlocks = new Option<int?>("--kv-blocks") { Description = "KV cache size in blocks (default: from --kv-cache-mb)" };
        var maxBatchedTokens = new Option<int?>("--max-batched-tokens") { Description = "token budget of one engine step (prefill chunk size; default 512)" };
        var engineNice = new Option<int?>("--engine-nice") { Description = "nice levels libtorch's compute workers run below Orleans and the HTTP API, 0 to 19 (Linux; 0: off; default 10)" };
        var kvMegabytes = new Option<int?>("--kv-cache-mb") { Description = "KV cache memory budget in MiB (default 512)" };
        var httpPort = new Option<int?>("--http-port") { Description = $"OpenAI-compatible API on 127.0.0.1 (default {HttpGatewayHosting.DefaultPort}, none on a silo joining with --primary; 0: no HTTP)" };
        var gatewayPorts = new Option<string?>("--gateway-ports") { Description = "with --role gateway: comma-separated client gateway ports of silos on this host (default 30000)" };
        var apiKey = new Option<string?>("--api-key") { Description = "require 'Authorization: Bearer <key>' on /v1 (default: no key)" };
        var clustering = new Option<string?>("--clustering") { Description = "localhost (default: silos of this machine, one primary) or redis://HOST:PORT[/DB] (membership in Redis: any hosts, no primary)" };
        var advertise = new Option<string?>("--advertise-address") { Description = "IP address other silos, clients and the KV data plane reach this process at (default: loopback; with Redis the first non-loopback IPv4)" };
        var logLevel = new Option<string?>("--log-level") { Description = "trace, debug, information, warning, error, critical or none (default: dynamo's messages, and only errors of Orleans once started)" };
        var clusterSecret = new Option<string?>("--cluster-secret") { Description = $"secret every silo of the cluster shares (≥ {KvTransportOptions.MinimumClusterSecretLength} characters): KV data-plane pulls must prove it (default: DYNAMO_CLUSTER_SECRET; none: lease tokens only)" };
        var kvPool = new Option<string?>("--kv-pool") { Description = "registered (default: the KV cache in /dev/shm or CUDA IPC memory that workers on this host copy from directly) or private (same-host handoffs use the data plane)" };
        var hostId = new Option<string?>("--host-id") { Description = "what tells hosts apart for the KV transport (shared memory only within one host id; default: the machine name)" };

        var command = new Command("serve", "Run a silo: all roles in one process by default.");
        model.AddTo(command);
        foreach (var o in new Option[] { role, siloPort, gatewayPort, primary, clusterId, clusterSecret, clustering, advertise, hostId, dataPlanePort, dataPlaneAddress, transport, kvPool, threshold, routerMode, overlapWeight, prefillQueueLimit, kvBlocks, kvMegabytes, maxBatchedTokens, engineNice, httpPort, gatewayPorts, apiKey, logLevel })
            command.Options.Add(o);

        command.SetAction(async (result, cancellationToken) => await CommandErrors.Run(async () =>
        {
            // Read before the host exists: the membership decides how the host is built (and the gateway role builds no silo).
            var configuration = new ConfigurationBuilder().SetBasePath(Directory.GetCurrentDirectory())
                .AddJsonFile("appsettings.json", optional: true).AddEnvironmentVariables("DYNAMO_").Build();
            var cluster = configuration.GetSection(ClusterSettings.SectionName).Get<ClusterSettings>() ?? new ClusterSettings();
            if (result.GetValue(clustering) is { Length: > 0 } c) cluster.Clustering = c;
            if (result.GetValue(advertise) is { Length: > 0 } a) cluster.AdvertiseAddress = a;
            if (result.GetValue(hostId) is { Length: > 0 } h) cluster.HostId = h;
            var membership = Membership.Parse(cluster.Clustering);
            var advertised = AdvertiseAddress.Resolve(cluster.AdvertiseAddress, membership);

            if (string.Equals(result.GetValue(role), HttpGatewayHosting.Role, StringComparison.OrdinalIgnoreCase))
                return await HttpGatewayHosting.RunClientAsync(membership, result.GetValue(primary) is { } g ? NetworkEndpoint.ParseIPv4(g, "--primary") : null,
                    HttpGatewayHosting.ParsePorts(result.GetValue(gatewayPorts)), result.GetValue(clusterId)!, advertised,
                    result.GetValue(httpPort) ?? HttpGatewayHosting.DefaultPort, result.GetValue(apiKey), result.GetValue(logLevel), cancellationToken);
            var roles = WorkerRoles.Parse(result.GetValue(role));
            RouterMode? mode = result.GetValue(routerMode) is { } modeText ? RouterModes.Parse(modeText) : null;
            if (result.GetValue(overlapWeight) is { } weight && !(weight >= 0 && double.IsFinite(weight)))
                throw new ArgumentException($"--kv-overlap-weight {weight} is not valid: expected a number ≥ 0");
            if (result.GetValue(prefillQueueLimit) is < 0)
                throw new ArgumentException($"--prefill-queue-limit {result.GetValue(prefillQueueLimit)} is not valid: expected a token count ≥ 0");
            if (result.GetValue(engineNice) is < 0 or > 19)
                throw new ArgumentException($"--engine-nice {result.GetValue(engineNice)} is not valid: expected 0 (off) to 19");
            KvTransportKind? forced = result.GetValue(transport)!.ToLowerInvariant() switch
            {
                "auto" => null,
                "inprocess" => KvTransportKind.InProcess,
                "sharedmemory" => KvTransportKind.SharedMemory,
                "tcp" => KvTransportKind.Tcp,
                var other => throw new ArgumentException($"--kv-transport '{other}' is not valid: expected auto, inprocess, sharedmemory or tcp"),
            };
            bool? registeredPool = result.GetValue(kvPool)?.ToLowerInvariant() switch
            {
                null => null,
                "registered" => true,
                "private" => false,
                var other => throw new ArgumentException($"--kv-pool '{other}' is not valid: expected registered or private"),
            };
            // The plain DYNAMO_CLUSTER_SECRET (config key CLUSTER_SECRET) and Transport:ClusterSecret both work; the option wins.
            // The environment keeps the secret out of `ps`, where command-line arguments are visible to every user.
            var secret = result.GetValue(clusterSecret) is { Length: > 0 } given ? given
                : configuration["CLUSTER_SECRET"] is { Length: > 0 } fromEnvironment ? fromEnvironment
                : configuration[$"Transport:{nameof(KvTransportOptions.ClusterSecret)}"];
            if (secret is { Length: > 0 } && secret.Length < KvTransportOptions.MinimumClusterSecretLength)
                throw new ArgumentException($"--cluster-secret has {secret.Length} characters: at least {KvTransportOptions.MinimumClusterSecretLength} are needed (e.g. `openssl rand -hex 32`)");
            IPEndPoint? primaryEndpoint = result.GetValue(primary) is { } p ? NetworkEndpoint.ParseIPv4(p, "--primary") : null;
            // With Redis, Orleans clients (the gateway role, SDK users) attach to silos that are not pure workers: a client whose
            // gateway silo dies loses the calls in flight through it until they time out (30 s), and worker hosts are
            // the ones expected to come and go. --gateway-port opens one anyway.
            int clientGatewayPort = membership is Membership.Redis && roles is WorkerRole.Prefill or WorkerRole.Decode
                                    && result.GetResult(gatewayPort) is null or { Implicit: true }
                ? 0 : result.GetValue(gatewayPort);

            // Everything that can be checked without the model is checked before it loads: a mistake is one line at once.
            // A silo that joins a cluster serves HTTP only when asked: the primary (or a gateway process) usually does. With
            // Redis no silo is primary: the HTTP API runs where --http-port asks for it, or in a --role gateway process.
            var port = result.GetValue(httpPort) ?? (primaryEndpoint is null && membership is Membership.Localhost ? HttpGatewayHosting.DefaultPort : 0);
            PortCheck.EnsureFree(advertised, port, "--http-port");
            PortCheck.EnsureFree(advertised, result.GetValue(siloPort), "--silo-port");
            PortCheck.EnsureFree(advertised, clientGatewayPort, "--gateway-port");
            var dataPlaneListen = result.GetValue(dataPlaneAddress) is { Length: > 0 } dp && IPAddress.TryParse(dp, out var parsed) ? parsed : advertised;
            PortCheck.EnsureFree(dataPlaneListen, result.GetValue(dataPlanePort), "--data-plane-port");

            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddEnvironmentVariables("DYNAMO_");
            var consoleLevels = ConsoleLogLevels.Install(builder, result.GetValue(logLevel));
            // The host's shutdown timeout bounds everything a stop does, the drain included: leave the drain its full time.
            var drainTimeout = builder.Configuration.GetValue<TimeSpan?>($"{FabricOptions.SectionName}:{nameof(FabricOptions.DrainTimeout)}")
                               ?? new FabricOptions().DrainTimeout;
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = drainTimeout + TimeSpan.FromSeconds(30));
            builder.UseOrleans(silo =>
            {
                silo.UseDynamoMembership(membership, result.GetValue(clusterId)!, advertised, result.GetValue(siloPort), clientGatewayPort, primaryEndpoint);
                silo.AddDynamoFabric(fabric =>
                {
                    builder.Configuration.GetSection(FabricOptions.SectionName).Bind(fabric);
                    fabric.Roles = roles;
                    var engine = model.Read(result);
                    fabric.Engine.Model = engine.Model ?? fabric.Engine.Model;
                    fabric.Engine.Device = engine.Device;
                    fabric.Engine.DType = engine.DType;
                    // Every core by default (null): libtorch's workers run niced (ThreadNice), so Orleans' messaging and
                    // membership and the HTTP API still get a core the moment they need one (docs/ARCHITECTURE.md, "Engine threads").
                    fabric.Engine.Threads = engine.Threads ?? fabric.Engine.Threads;
                    if (result.GetValue(engineNice) is { } nice) fabric.Engine.ThreadNice = nice;
                    if (result.GetValue(kvBlocks) is { } blocks) fabric.Engine.KvCacheBlocks = blocks;
                    if (result.GetValue(kvMegabytes) is { } mb) fabric.Engine.KvCacheBytes = mb * 1024L * 1024;
                    if (registeredPool is { } registered) fabric.Engine.KvPool.Registered = registered;
                    if (result.GetValue(threshold) is { } t) fabric.DisaggregationThreshold = t;
                    if (mode is { } m) fabric.RouterMode = m;
                    if (result.GetValue(overlapWeight) is { } w) fabric.KvOverlapWeight = w;
                    if (result.GetValue(prefillQueueLimit) is { } q) fabric.PrefillQueueLimit = q;
                    if (result.GetValue(maxBatchedTokens) is { } budget) fabric.Engine.MaxBatchedTokens = budget;
                }, kv =>
                {
                    builder.Configuration.GetSection("Transport").Bind(kv);
                    kv.DataPlanePort = result.GetValue(dataPlanePort);
                    // The data plane listens where peers reach this process unless told otherwise.
                    if (builder.Configuration["Transport:DataPlaneAddress"] is null) kv.DataPlaneAddress = advertised.ToString();
                    if (result.GetValue(dataPlaneAddress) is { Length: > 0 } address) kv.DataPlaneAddress = address;
                    if (cluster.HostId is { Length: > 0 } host) kv.HostId = host;
                    kv.ForceTransport = forced ?? kv.ForceTransport;
                    kv.ClusterSecret = secret;
                });
            });
            // After the cluster settings are checked (they are the likelier mistake), before anything loads.
            if (model.Read(result).Model is { Length: > 0 } modelFolder && !Directory.Exists(modelFolder))
                throw new ArgumentException($"{modelFolder}: the model folder does not exist");
            using var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var dataPlane = host.Services.GetRequiredService<KvDataPlaneServer>();
            await using var http = await HttpGatewayHosting.StartBesideSiloAsync(host, builder.Configuration, advertised, port, result.GetValue(apiKey), cancellationToken);
            consoleLevels.Started();
            var engine = host.Services.GetRequiredService<WorkerEngine>();
            var served = roles == WorkerRole.None ? "" : $"model {engine.Runtime.Name} ({engine.Runtime.Engine.TotalBlocks} KV blocks of {engine.Runtime.Engine.BlockSize} tokens, {PoolName(engine.Runtime.Engine.Pool.Kind)} pool), ";
            Console.WriteLine($"dynamo serve: ready ({served}roles {WorkerRoles.Format(roles)}, cluster {membership}, advertised {advertised}, silo port {result.GetValue(siloPort)}, " +
                              (clientGatewayPort == 0 ? "no client gateway" : $"gateway port {clientGatewayPort}") + $", data plane {dataPlane.Endpoint}" +
                              (secret is { Length: > 0 } ? " (cluster secret)" : "") +
                              (http is null ? ", no HTTP API" : $", OpenAI API at {string.Join(" ", http.Addresses)}v1") + ")");
            await host.WaitForShutdownAsync(cancellationToken);
            return 0;
        }));
        return command;
    }

    private static string PoolName(KvPoolKind kind) => kind switch
    {
        KvPoolKind.SharedMemory => "shared-memory",
        KvPoolKind.CudaIpc => "CUDA IPC",
        _ => "private",
    };
}
