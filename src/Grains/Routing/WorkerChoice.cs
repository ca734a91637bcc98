using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>A chosen worker, its load when chosen, and how many leading blocks of the request the KV index says it holds.</summary>
public sealed record WorkerChoice(WorkerAddress Worker, WorkerLoad Load, int OverlapBlocks)
{
    public int OverlapTokens => OverlapBlocks * Load.BlockSize;
}

/// <summary>The router's answer for one pool: the choice, or none — and if none, whether only busy workers were left.</summary>
public sealed record PoolChoice(WorkerChoice? Chosen, bool AllBusy)
{
    public static readonly PoolChoice None = new(null, false);
}
