using Dynamo.Orleans.Grains.Transfer;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Hosting;

/// <summary>Starts the KV data-plane listener with the silo and stops it (and frees every lease) when the silo stops.</summary>
internal sealed class DataPlaneLifecycle(KvDataPlaneServer server, KvPageOutbox outbox) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DataPlaneLifecycle), ServiceLifecycleStage.RuntimeServices,
            _ => { server.Start(outbox); return Task.CompletedTask; },
            async ct => { await server.StopAsync(ct); outbox.Dispose(); });
}
