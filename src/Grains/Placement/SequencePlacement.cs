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
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        // Only a silo that has said it has no worker role is a front end: one whose metadata has not reached this silo's
        // cache yet (it just joined) may well be a worker, and a sequence placed there would die with it.
        var frontEnds = compatible
            .Where(s => metadata.GetSiloMetadata(s).Metadata.TryGetValue(WorkerRoles.MetadataKey, out var roles) && WorkerRoles.Parse(roles) == WorkerRole.None)
            .ToArray();
        if (frontEnds.Length > 0)
            return Task.FromResult(frontEnds.Contains(context.LocalSilo) ? context.LocalSilo : frontEnds[Random.Shared.Next(frontEnds.Length)]);
        return Task.FromResult(compatible.Contains(context.LocalSilo) ? context.LocalSilo : compatible[Random.Shared.Next(compatible.Length)]);
    }
}
