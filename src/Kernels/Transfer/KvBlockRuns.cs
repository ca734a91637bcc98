using Dynamo.Orleans.Kernels.Caching;

namespace Dynamo.Orleans.Kernels.Transfer;

/// <summary>
/// The byte regions of a set of blocks over a layer range, in the order pages travel: layer by layer, K then V, block by
/// block in the order given — the order of <see cref="KvPages"/>' [layers, 2, blocks, ...] layout. Consecutive block
/// ids make one region (a fresh sequence's blocks usually are), so a copy or a socket moves large pieces.
/// </summary>
public static class KvBlockRuns
{
    public static IEnumerable<(long Offset, long Length)> Of(KvPoolLayout layout, IReadOnlyList<int> blocks, int layerStart, int layerCount) =>
        Paired(layout, blocks, layout, blocks, layerStart, layerCount).Select(r => (r.Source, r.Length));

    /// <summary>
    /// Pairs two block lists' regions (same count, possibly different ids and pools): each pair has one length and
    /// covers the same bytes of the travelling order on both sides.
    /// </summary>
    public static IEnumerable<(long Source, long Target, long Length)> Paired(
        KvPoolLayout source, IReadOnlyList<int> sourceBlocks, KvPoolLayout target, IReadOnlyList<int> targetBlocks, int layerStart, int layerCount)
    {
        if (sourceBlocks.Count != targetBlocks.Count)
            throw new ArgumentException($"copying {sourceBlocks.Count} blocks into {targetBlocks.Count}: the counts must match");
        if (!source.BlocksMatch(target))
            throw new ArgumentException($"KV pools do not match: {Describe(source)} vs {Describe(target)}");
        Check(source, sourceBlocks, layerStart, layerCount);
        Check(target, targetBlocks, layerStart, layerCount);
        for (int layer = layerStart; layer < layerStart + layerCount; layer++)
            for (int kv = 0; kv < 2; kv++)
            {
                int i = 0;
                while (i < sourceBlocks.Count)
                {
                    int run = 1;
                    while (i + run < sourceBlocks.Count && sourceBlocks[i + run] == sourceBlocks[i] + run && targetBlocks[i + run] == targetBlocks[i] + run) run++;
                    yield return (source.Offset(layer, kv, sourceBlocks[i]), target.Offset(layer, kv, targetBlocks[i]), run * source.BlockBytes);
                    i += run;
                }
            }
    }

    public static string Describe(KvPoolLayout l) =>
        $"{l.Layers} layers, blocks of {l.BlockSize} tokens, {l.KvHeads} KV heads of {l.HeadDim}, {KvPageDescriptor.NameOf(l.DType)}";

    private static void Check(KvPoolLayout layout, IReadOnlyList<int> blocks, int layerStart, int layerCount)
    {
        if (layerStart < 0 || layerCount < 1 || layerStart + layerCount > layout.Layers)
            throw new ArgumentOutOfRangeException(nameof(layerStart), $"layers {layerStart}+{layerCount} are outside a pool of {layout.Layers} layers");
        foreach (var b in blocks)
            if (b < 0 || b >= layout.Blocks) throw new ArgumentOutOfRangeException(nameof(blocks), $"block {b} is outside a pool of {layout.Blocks} blocks");
    }
}
