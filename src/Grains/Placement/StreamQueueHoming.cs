using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Core.Internal;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Serialization.TypeSystem;

namespace Dynamo.Orleans.Grains.Placement;

/// <summary>
/// Brings the memory streams' queue grains home to the front ends. <see cref="StreamQueuePlacementResolver"/> places a
/// queue on a front end when the placing silo knows one, but silos start in any order: workers that start before the
/// first front end (or outlive the last one) place the queues on themselves, and a queue stays where it was placed.
/// So a front end, whenever the set of active silos changes, looks for queues on silos with worker roles and asks them
/// to migrate; placement then puts them on a front end. Events queued at that moment may be lost: their handoffs time
/// out and fall back like any lost handle (never a wrong token). It only happens when silos come and go.
/// </summary>
public sealed partial class StreamQueueHoming(
    IClusterMembershipService membership, ILocalSiloDetails local, SiloRoles roles, IGrainFactory grains, ILogger<StreamQueueHoming> logger)
    : BackgroundService
{
    private static readonly string QueueGrainType = RuntimeTypeNameFormatter.Format(typeof(MemoryStreamQueueGrain));

    /// <summary>When to look after a change: placements decided just before this silo was known finish a moment later.</summary>
    private static readonly TimeSpan[] Looks = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            IReadOnlySet<SiloAddress> active = new HashSet<SiloAddress>();
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var now = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToHashSet();
                if (now.SetEquals(active) || !now.Contains(local.SiloAddress)) continue;
                active = now;
                if (roles.RolesOf(local.SiloAddress) != WorkerRole.None) continue;
                foreach (var delay in Looks)
                {
                    await Task.Delay(delay, stoppingToken);
                    await BringHomeAsync();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>Asks every queue grain on a silo with worker roles to migrate; returns how many were asked.</summary>
    public async Task<int> BringHomeAsync()
    {
        try
        {
            var queues = await grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics([QueueGrainType]);
            var away = queues.Where(q => roles.RolesOf(q.SiloAddress) is not null and not WorkerRole.None).ToList();
            foreach (var queue in away)
                await grains.GetGrain(queue.GrainId).Cast<IGrainManagementExtension>().MigrateOnIdle();
            if (away.Count > 0) LogMigrated(logger, away.Count);
            return away.Count;
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            // A silo that is leaving cannot answer; the next change looks again.
            LogFailed(logger, e.Message);
            return 0;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Asked {Count} stream queue grain(s) on worker silos to move to a front end")]
    private static partial void LogMigrated(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look for stream queues on worker silos: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
