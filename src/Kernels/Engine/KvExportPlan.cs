namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// Asks the engine to hand a sequence's prompt KV over while prefill is still running: during the step that completes
/// the prompt, each group of <see cref="LayerGroupSize"/> layers is offered as soon as the forward has written it, so
/// its transfer overlaps the compute of the later layers. Nothing is copied: each <see cref="KvBlockExport"/> pins the
/// sequence's blocks in the engine's pool until it is released. After the first token the sequence ends "handed off"
/// (its completion is null); its blocks stay only as long as an export pins them.
/// </summary>
/// <remarks><see cref="OnBlocks"/> runs on the engine thread in the middle of a step: it must only enqueue, never block.
/// It owns the exports it receives and must release each one (or the blocks stay pinned).</remarks>
public sealed record KvExportPlan(int LayerGroupSize, Action<KvBlockExport> OnBlocks);
