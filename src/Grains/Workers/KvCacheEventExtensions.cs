using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Workers;

/// <summary>The engine's prefix-cache events in their wire form.</summary>
public static class KvCacheEventExtensions
{
    public static KvCacheEvent[] ToWire(this IReadOnlyList<KvBlockEvent> events)
    {
        var wire = new KvCacheEvent[events.Count];
        for (int i = 0; i < wire.Length; i++)
        {
            var e = events[i];
            wire[i] = new KvCacheEvent(e.Kind == KvBlockEventKind.Stored ? KvCacheEventKind.Stored : KvCacheEventKind.Removed, e.Hash, e.Parent, e.TokenCount);
        }
        return wire;
    }
}
