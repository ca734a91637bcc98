using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Workers;

/// <summary>
/// Stops the work a dead silo's sequences left on this worker. A sequence grain that dies with its silo never cancels
/// what it asked for, and its client has already been told of the failure: the decode worker would generate for nobody
/// and hold the KV blocks until the end of the sequence. Each request names its owner silo; its work is cancelled as
/// soon as membership declares that silo dead.
/// </summary>
public sealed class SequenceOwnerWatch(IClusterMembershipService membership) : BackgroundService
{
    private readonly ConcurrentDictionary<SiloAddress, CancellationTokenSource> _owners = new();

    /// <summary>Cancelled when <paramref name="owner"/> is declared dead (at once if it already is); never for no owner.</summary>
    public CancellationToken For(SiloAddress? owner)
    {
        if (owner is null) return CancellationToken.None;
        if (membership.CurrentSnapshot.GetSiloStatus(owner) == SiloStatus.Dead) return new CancellationToken(canceled: true);
        var token = _owners.GetOrAdd(owner, _ => new CancellationTokenSource()).Token;
        // The snapshot may have changed between the check and the registration: look again.
        if (membership.CurrentSnapshot.GetSiloStatus(owner) == SiloStatus.Dead) CancelDead(membership.CurrentSnapshot);
        return token;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken)) CancelDead(snapshot);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    private void CancelDead(ClusterMembershipSnapshot snapshot)
    {
        foreach (var (silo, owner) in _owners)
        {
            if (snapshot.GetSiloStatus(silo) != SiloStatus.Dead || !_owners.TryRemove(silo, out _)) continue;
            owner.Cancel();
            owner.Dispose();
        }
    }
}
