using Dynamo.Orleans.Kernels.Transfer;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// Asks the engine to hand a sequence's prompt KV over while prefill is still running: during the step that completes
/// the prompt, each group of <see cref="LayerGroupSize"/> layers is copied out as soon as the forward has written it and
/// given to <see cref="OnPages"/>, so its transfer overlaps the compute of the later layers. After the first token the
/// sequence ends "handed off" (its completion is null) and its blocks are freed at once: the copies are all that remain.
/// </summary>
/// <remarks><see cref="OnPages"/> runs on the engine thread in the middle of a step: it must only enqueue, never block.
/// It owns the pages it receives.</remarks>
public sealed record KvExportPlan(int LayerGroupSize, Action<KvPages> OnPages);
