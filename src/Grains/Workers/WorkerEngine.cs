using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Workers;

/// <summary>
/// The one model engine of a silo with worker roles, shared by its prefill and decode worker grains. Loaded when the
/// silo starts (so the first request does not pay for it) and drained when it stops: running sequences may finish for
/// up to <see cref="FabricOptions.DrainTimeout"/>, then whatever is left is cancelled and every block freed.
/// </summary>
public sealed class WorkerEngine : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly FabricOptions _options;
    private readonly ILogger<WorkerEngine> _logger;
    private ModelRuntime? _runtime;
    private volatile bool _draining;

    public WorkerEngine(IOptions<FabricOptions> options, ILogger<WorkerEngine> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    public WorkerRole Roles => _options.Roles;
    public bool Draining => _draining;

    public ModelRuntime Runtime => _runtime ?? throw new InvalidOperationException(
        _options.Roles == WorkerRole.None ? "this silo has no worker role: it runs no engine" : "the engine is not loaded yet");

    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(WorkerEngine), ServiceLifecycleStage.ApplicationServices, Start, Stop);
    }

    private Task Start(CancellationToken cancellationToken)
    {
        if (_options.Roles == WorkerRole.None) return Task.CompletedTask;
        _runtime = ModelRuntime.Load(_options.Engine);
        _logger.LogInformation("Engine ready: model {Model}, {Blocks} KV blocks of {BlockSize} tokens in a {Pool} pool, roles {Roles}",
            _runtime.Name, _runtime.Engine.TotalBlocks, _runtime.Engine.BlockSize, _runtime.Engine.Pool.Kind, WorkerRoles.Format(_options.Roles));
        // Same-host handoffs then go through the data plane: slower, still exact.
        if (_runtime.Engine.PoolFallback is { } reason)
            _logger.LogWarning("The KV pool is private (peers on this host cannot map it): {Reason}", reason);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Refuses new work and waits up to <see cref="FabricOptions.DrainTimeout"/> for running sequences to finish. Runs
    /// while the silo is still fully active (<see cref="WorkerDrain"/>): once Orleans starts stopping, the silo refuses
    /// calls and the streams of running sequences would break.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_runtime is null) return;
        _draining = true;
        var started = _runtime.Engine.Stats;
        _logger.LogInformation("Draining: {Count} sequences may run for up to {Timeout}", started.Running + started.Waiting, _options.DrainTimeout);
        var deadline = DateTime.UtcNow + _options.DrainTimeout;
        while (DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
        {
            var stats = _runtime.Engine.Stats;
            if (stats.Running + stats.Waiting == 0) break;
            await Task.Delay(50, CancellationToken.None);
        }
        var left = _runtime.Engine.Stats;
        _logger.LogInformation("Drained: {Count} sequences left{Reason}", left.Running + left.Waiting,
            cancellationToken.IsCancellationRequested ? " (the host's shutdown timeout ended the drain)" : "");
    }

    /// <summary>Whatever the drain left is cancelled with the engine, and every block is freed.</summary>
    private Task Stop(CancellationToken cancellationToken)
    {
        if (_runtime is null) return Task.CompletedTask;
        _draining = true;
        var left = _runtime.Engine.Stats;
        if (left.Running + left.Waiting > 0)
            _logger.LogWarning("Drain timed out: cancelling {Count} sequences", left.Running + left.Waiting);
        Dispose();
        return Task.CompletedTask;
    }

    public WorkerLoad Load(string workerId, WorkerRole role)
    {
        var r = Runtime;
        var s = r.Engine.Stats;
        return new WorkerLoad
        {
            WorkerId = workerId, Role = role, Model = r.Name, Running = s.Running, Waiting = s.Waiting,
            TotalBlocks = s.TotalBlocks, UsedBlocks = s.UsedBlocks, FreeBlocks = s.FreeBlocks, CachedBlocks = s.CachedBlocks,
            GeneratedTokens = s.GeneratedTokens, Draining = _draining, MaxModelLen = r.Engine.MaxModelLen,
            PendingPrefillTokens = s.PendingPrefillTokens, BlockSize = r.Engine.BlockSize,
        };
    }

    public void Dispose()
    {
        var r = Interlocked.Exchange(ref _runtime, null);
        r?.Dispose();
    }
}
