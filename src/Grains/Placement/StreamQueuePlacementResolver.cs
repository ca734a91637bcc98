using Orleans.Metadata;
using Orleans.Providers;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Dynamo.Orleans.Grains.Placement;

/// <summary>
/// Puts the memory streams' queue grains — where the "kv-pages" handles wait between a prefill worker and a decode
/// worker — where sequence grains live (<see cref="SequencePlacement"/>: the front-end silos when the cluster has any).
/// Orleans would otherwise place them on any silo, a worker included, and a queue lives as long as its silo: one
/// prefill host's death would then take the handoffs of every other prefill worker whose streams hash to its queues.
/// A front end's death takes its own sequences anyway.
/// </summary>
internal sealed class StreamQueuePlacementResolver(GrainClassMap grainClasses) : IPlacementStrategyResolver
{
    private static readonly SequencePlacement Strategy = new();

    public bool TryResolvePlacementStrategy(GrainType grainType, GrainProperties? properties, out PlacementStrategy result)
    {
        if (grainClasses.TryGetGrainClass(grainType, out var grainClass) && grainClass == typeof(MemoryStreamQueueGrain))
        {
            result = Strategy;
            return true;
        }
        result = null!;
        return false;
    }
}
