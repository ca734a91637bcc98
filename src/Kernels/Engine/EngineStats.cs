namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>A snapshot of an engine's queues and KV blocks, taken after each step.</summary>
public sealed record EngineStats(
    int Running, int Waiting,
    int TotalBlocks, int UsedBlocks, int FreeBlocks, int CachedBlocks,
    long Steps, long PromptTokens, long ComputedPromptTokens, long CachedPromptTokens, long GeneratedTokens, long Preemptions);
