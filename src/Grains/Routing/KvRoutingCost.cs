namespace Dynamo.Orleans.Grains.Routing;

/// <summary>
/// The KV router's cost of sending a request to a worker, as NVIDIA Dynamo's KV router scores it:
/// <c>weight × (blocks waiting for prefill + the prompt's blocks − those already cached there) + blocks in use + the
/// request's blocks</c>. The first term is the prefill work the worker would do before this request's first token, the
/// rest the memory its decode batch holds. The weight (<see cref="FabricOptions.KvOverlapWeight"/>) trades a cache hit
/// against load: 0 ignores the cache, large values chase hits even onto busy workers.
/// </summary>
public static class KvRoutingCost
{
    public static double Of(double overlapWeight, long pendingPrefillBlocks, int promptBlocks, int overlapBlocks, long activeBlocks) =>
        overlapWeight * (pendingPrefillBlocks + promptBlocks - overlapBlocks) + activeBlocks + promptBlocks;
}
