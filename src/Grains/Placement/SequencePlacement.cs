using Dynamo.Orleans.Workers;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Dynamo.Orleans.Grains.Placement;

/// <summary>
/// Where sequence grains live: on silos without worker roles when the cluster has any (front-end silos), so that the
/// owner of a request does not die with the worker serving it; otherwise on the calling silo, as Orleans' prefer-local
/// placement would.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SequencePlacement : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SequencePlacementAttribute() : PlacementAttribute(new SequencePlacement());

public sealed class SequencePlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    /// <summary>How long a placement waits for the roles of silos that just joined.</summary>
    private static readonly TimeSpan MetadataWait = TimeSpan.FromSeconds(5);

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        // A silo's roles reach this silo's cache a moment after membership lists it. Deciding before they arrive would
        // take a front end for a worker: at start-up, when the stream pulling agents activate every queue grain, all of
        // them landed on workers and stayed there. So wait (briefly) until every compatible silo has said its roles.
        var deadline = DateTime.UtcNow + MetadataWait;
        while (compatible.Any(s => !metadata.GetSiloMetadata(s).Metadata.ContainsKey(WorkerRoles.MetadataKey)) && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        var frontEnds = compatible
            .Where(s => metadata.GetSiloMetadata(s).Metadata.TryGetValue(WorkerRoles.MetadataKey, out var roles) && WorkerRoles.Parse(roles) == WorkerRole.None)
            .ToArray();
        if (frontEnds.Length > 0)
            return frontEnds.Contains(context.LocalSilo) ? context.LocalSilo : frontEnds[Random.Shared.Next(frontEnds.Length)];
        return compatible.Contains(context.LocalSilo) ? context.LocalSilo : compatible[Random.Shared.Next(compatible.Length)];
    }
}
