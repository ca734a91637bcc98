namespace Dynamo.Orleans.Transfer;

/// <summary>
/// What a worker publishes about its KV pool, once, when the pool is made (as NIXL publishes memory descriptors): enough
/// for a peer to map it and find any block in it. Handles name the pool by this descriptor plus block ids.
/// </summary>
/// <param name="PoolId">Random per pool: a restarted worker's new pool is another pool.</param>
/// <param name="Access">"shared-memory" (map <paramref name="Path"/> read-only), "cuda-ipc" (open <paramref name="CudaIpcHandle"/>) or "private" (data plane only).</param>
/// <param name="Layout">The element order; today always "layer,kv,block,token,head,dim".</param>
[GenerateSerializer, Immutable]
public sealed record KvPoolDescriptor(
    [property: Id(0)] string PoolId,
    [property: Id(1)] string HostName,
    [property: Id(2)] int ProcessId,
    [property: Id(3)] string Access,
    [property: Id(4)] string Layout,
    [property: Id(5)] int Layers,
    [property: Id(6)] int Blocks,
    [property: Id(7)] int BlockSize,
    [property: Id(8)] int KvHeads,
    [property: Id(9)] int HeadDim,
    [property: Id(10)] string DType,
    [property: Id(11)] string? Path,
    [property: Id(12)] byte[]? CudaIpcHandle,
    [property: Id(13)] long CudaIpcOffset,
    [property: Id(14)] int Device)
{
    public const string SharedMemory = "shared-memory";
    public const string CudaIpc = "cuda-ipc";
    public const string Private = "private";

    /// <summary>Whether peers on the same host can map it.</summary>
    public bool Mappable => Access is SharedMemory or CudaIpc;
}
