using Microsoft.Extensions.Hosting;

namespace Dynamo.Orleans.Grains.Workers;

/// <summary>
/// Drains this silo's engine when the host is asked to stop (SIGTERM, SIGINT, StopApplication), before any hosted
/// service stops: Orleans still answers calls, so running sequences stream to their end while the router, which sees
/// the worker draining, sends new requests elsewhere. What the drain timeout leaves is cancelled when the silo stops.
/// </summary>
public sealed class WorkerDrain(WorkerEngine engine) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) => engine.DrainAsync(cancellationToken);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
