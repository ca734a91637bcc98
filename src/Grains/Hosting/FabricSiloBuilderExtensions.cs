using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Grains.Routing;
using Dynamo.Orleans.Grains.Models;
using Dynamo.Orleans.Grains.Sequences;
using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Grains.Workers;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Placement;
using Orleans.Metadata;

namespace Dynamo.Orleans.Grains.Hosting;

public static class FabricSiloBuilderExtensions
{
    /// <summary>
    /// Makes this silo part of the serving fabric: its roles go into its manifest (so placement and routing find its
    /// pools), its engine loads at start-up when it has a worker role, KV handles travel on a low-latency memory stream,
    /// and KV bytes on the transports and the data-plane listener.
    /// </summary>
    public static ISiloBuilder AddDynamoFabric(this ISiloBuilder builder, Action<FabricOptions>? configure = null,
                                               Action<KvTransportOptions>? configureTransport = null)
    {
        // Roles and stream settings are needed now, while the silo is being built, not only when options resolve.
        var fabric = new FabricOptions();
        configure?.Invoke(fabric);
        builder.Services.Configure<FabricOptions>(o => configure?.Invoke(o));
        builder.Services.Configure<KvTransportOptions>(o => configureTransport?.Invoke(o));

        builder.Services.AddSingleton<IGrainPropertiesProvider>(new SiloRolesProperties(fabric.Roles, fabric.Engine.Device));
        builder.Services.AddSingleton<SiloRoles>();
        // The strongly consistent directory: when a silo dies, the new owner of its directory range asks every silo for
        // its activations instead of Orleans deactivating them; with the default directory, a prefill host's death
        // deactivated the sequence grains registered in its range — running requests on healthy front ends failed.
#pragma warning disable ORLEANSEXP003
        builder.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        builder.AddMemoryGrainStorage("PubSubStore");
        builder.AddMemoryStreams(fabric.StreamProvider, streams => streams.ConfigurePullingAgent(agent =>
            agent.Configure(o => o.GetQueueMsgsTimerPeriod = fabric.StreamPollPeriod)));

        var services = builder.Services;
        services.AddPlacementDirector<PrefillPoolPlacement, WorkerPoolPlacementDirector>();
        services.AddPlacementDirector<DecodePoolPlacement, WorkerPoolPlacementDirector>();
        services.AddPlacementDirector<EngineSiloPlacement, WorkerPoolPlacementDirector>();
        services.AddPlacementDirector<SequencePlacement, SequencePlacementDirector>();
        services.AddSingleton<IPlacementStrategyResolver, StreamQueuePlacementResolver>();
        services.AddHostedService<StreamQueueHoming>();
        services.AddSingleton<WorkerEngine>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<WorkerEngine>());
        services.AddHostedService<WorkerDrain>();
        services.AddSingleton<SequenceOwnerWatch>();
        services.AddHostedService(sp => sp.GetRequiredService<SequenceOwnerWatch>());
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<WorkerPools>();
        services.AddSingleton<KvIndex>();
        services.AddSingleton<KvIndexFeed>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<KvIndexFeed>());
        services.AddSingleton<WorkerRouter>();

        services.AddSingleton<KvDataPlaneServer>();
        services.AddSingleton(sp => new KvPageOutbox(sp.GetRequiredService<KvDataPlaneServer>().Listen(),
            sp.GetRequiredService<IOptions<KvTransportOptions>>(), sp.GetRequiredService<ILogger<KvPageOutbox>>()));
        services.AddSingleton<IKvTransport, InProcessKvTransport>();
        services.AddSingleton<KvPeerPools>();
        services.AddSingleton<IKvTransport, SharedMemoryKvTransport>();
        services.AddSingleton<IKvTransport, TcpKvTransport>();
        services.AddSingleton<KvTransportSelector>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, DataPlaneLifecycle>();
        return builder;
    }
}
