namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// A snapshot of an engine's queues and KV blocks, taken after each step. <see cref="PendingPrefillTokens"/>: prompt
/// tokens queued or part-way through prefill (what a router weighs as this engine's prefill backlog).
/// </summary>
public sealed record EngineStats(
    int Running, int Waiting,
    int TotalBlocks, int UsedBlocks, int FreeBlocks, int CachedBlocks,
    long Steps, long PromptTokens, long ComputedPromptTokens, long CachedPromptTokens, long GeneratedTokens, long Preemptions,
    long PendingPrefillTokens);
