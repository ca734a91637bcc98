using Dynamo.Orleans.Workers;
using Orleans.Placement;
using Orleans.Runtime;
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

public sealed class SequencePlacementDirector(SiloRoles roles) : IPlacementDirector
{
    /// <summary>How long a placement with no known front end waits for the manifests of silos membership already lists.</summary>
    private static readonly TimeSpan ManifestWait = TimeSpan.FromSeconds(10);

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        // Every compatible silo's roles are known (they travel in the manifest that makes it compatible), but a silo that
        // is starting may not know every silo yet: at start-up a worker's stream pulling agents activate the queue grains
        // before the front end's manifest arrives, and they stayed on the worker. So with no front end in sight, wait
        // (briefly) until every active member's manifest is here.
        var deadline = DateTime.UtcNow + ManifestWait;
        var frontEnds = FrontEnds(context.GetCompatibleSilos(target));
        while (frontEnds.Length == 0 && !roles.KnowsEveryActiveMember() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            frontEnds = FrontEnds(context.GetCompatibleSilos(target));
        }
        if (frontEnds.Length > 0)
            return frontEnds.Contains(context.LocalSilo) ? context.LocalSilo : frontEnds[Random.Shared.Next(frontEnds.Length)];
        var compatible = context.GetCompatibleSilos(target);
        return compatible.Contains(context.LocalSilo) ? context.LocalSilo : compatible[Random.Shared.Next(compatible.Length)];
    }

    private SiloAddress[] FrontEnds(SiloAddress[] compatible) => compatible.Where(s => roles.RolesOf(s) == WorkerRole.None).ToArray();
}
