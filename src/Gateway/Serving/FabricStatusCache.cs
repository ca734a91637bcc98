using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>
/// The cluster's <see cref="FabricStatus"/> as the gateway last saw it. Requests read it (the served model, whether any
/// decode worker exists) without a grain call each; <c>/health</c> and <c>/metrics</c> refresh it.
/// </summary>
public sealed class FabricStatusCache(IGrainFactory grains, IOptions<GatewayOptions> options)
{
    // A reference, swapped whole: readers on other threads never see a status paired with another fetch's time.
    private volatile Snapshot? _latest;
    private Task<FabricStatus>? _refreshing;
    private readonly Lock _gate = new();

    /// <summary>The last status fetched, for synchronous readers such as metric gauges.</summary>
    public FabricStatus? Latest => _latest?.Status;

    /// <summary>A status no older than <see cref="GatewayOptions.StatusRefreshInterval"/>.</summary>
    public Task<FabricStatus> GetAsync()
    {
        if (_latest is { } l && DateTime.UtcNow - l.At < options.Value.StatusRefreshInterval) return Task.FromResult(l.Status);
        return RefreshAsync();
    }

    /// <summary>Asks the cluster now; concurrent callers share one call.</summary>
    public Task<FabricStatus> RefreshAsync()
    {
        lock (_gate)
        {
            return _refreshing ??= FetchAsync();
        }
    }

    private async Task<FabricStatus> FetchAsync()
    {
        // Never complete inside RefreshAsync's lock: the finally below must run after the task is stored.
        await Task.Yield();
        try
        {
            var status = await grains.GetGrain<IFabricStatusGrain>(0).GetStatus();
            _latest = new Snapshot(status, DateTime.UtcNow);
            return status;
        }
        finally
        {
            lock (_gate) _refreshing = null;
        }
    }

    private sealed record Snapshot(FabricStatus Status, DateTime At);
}
