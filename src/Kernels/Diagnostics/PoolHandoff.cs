using System.Collections.Concurrent;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Transfer;

namespace Dynamo.Orleans.Kernels.Diagnostics;

/// <summary>
/// A same-host handoff reduced to its two halves, as the checks run it: a producer engine prefills with a
/// <see cref="KvExportPlan"/> and keeps the prompt's blocks pinned in its pool; a consumer reserves blocks, copies every
/// layer group straight out of that pool (its own memory, or a peer's mapped here: <see cref="KvBlockCopy.Import"/>) and
/// continues the sequence.
/// </summary>
public static class PoolHandoff
{
    /// <summary>A prefill that ended handed off: its first token, the parameters with their seed, and the pinned exports.</summary>
    public sealed record Prefilled(IReadOnlyList<int> Prompt, int FirstToken, SamplingParams Parameters, IReadOnlyList<KvBlockExport> Exports)
    {
        /// <summary>Unpins every export: the consumer has its copy (or gave up).</summary>
        public void Release()
        {
            foreach (var export in Exports) export.Release();
        }
    }

    public static async Task<Prefilled> PrefillAsync(LlmEngine producer, IReadOnlyList<int> prompt, SamplingParams parameters, int layerGroupSize,
                                                     CancellationToken cancellationToken = default)
    {
        var exports = new ConcurrentQueue<KvBlockExport>();
        var handle = producer.Submit(prompt, parameters, new KvExportPlan(layerGroupSize, exports.Enqueue));
        try
        {
            // The exports are offered during the forward of the step whose logits give the first token: all are here by then.
            var first = await handle.Tokens.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (await handle.Completion.ConfigureAwait(false) is { } finish)
                throw new InvalidOperationException($"the prefill ended ({finish}) instead of handing its sequence off");
            return new Prefilled(prompt, first.TokenId, handle.Parameters, exports.ToArray());
        }
        catch
        {
            foreach (var export in exports) export.Release();
            throw;
        }
    }

    /// <summary>
    /// Reserves room for the prompt in <paramref name="consumer"/>, copies each group's blocks from <paramref name="source"/>,
    /// commits and decodes to the end. Returns every generated id, the prefill's first token included, and the bytes copied.
    /// </summary>
    public static async Task<(IReadOnlyList<int> Ids, long Bytes)> ContinueAsync(
        LlmEngine consumer, IReadOnlyList<int> prompt, int firstToken, SamplingParams parameters, IKvBlockMemory source,
        IEnumerable<(KvPageDescriptor Descriptor, IReadOnlyList<int> Blocks)> groups, CancellationToken cancellationToken = default)
    {
        var reservation = await consumer.ReserveImportAsync(prompt.Count).ConfigureAwait(false);
        long bytes = 0;
        try
        {
            var target = consumer.ImportTarget(reservation);
            foreach (var (descriptor, blocks) in groups) bytes += KvBlockCopy.Import(target, descriptor, source, blocks);
        }
        catch
        {
            await consumer.CancelImportAsync(reservation).ConfigureAwait(false);
            throw;
        }
        var handle = await consumer.CommitImportAsync(reservation, new SequenceContinuation([.. prompt, firstToken], prompt.Count, parameters))
            .ConfigureAwait(false);
        var ids = new List<int> { firstToken };
        await foreach (var token in handle.ReadAllAsync(cancellationToken).ConfigureAwait(false)) ids.Add(token.TokenId);
        return (ids, bytes);
    }
}
