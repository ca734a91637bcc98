using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Model;

/// <summary>
/// One step's input, flattened the way vLLM does it: all scheduled tokens of all sequences in one [T] row, so every
/// matmul runs once per step. Single-token slices (decode) come first and share one padded attention call; longer
/// slices (prefill chunks) get one attention call each with an explicit causal mask that accounts for a cached prefix.
/// Build it inside the step's dispose scope: its tensors live as long as the step.
/// </summary>
public sealed class ForwardBatch
{
    /// <summary>A prefill slice's place in the flattened row and what its attention needs.</summary>
    /// <remarks>BlockIds and Mask are null when the slice starts at position 0: it attends only to its own tokens, causally.</remarks>
    public sealed record PrefillSegment(int Offset, int Length, int Start, Tensor? BlockIds, Tensor? Mask);

    private ForwardBatch() { }

    public required Tensor InputIds { get; init; }
    public required Tensor Positions { get; init; }
    public required Tensor Slots { get; init; }
    public int TokenCount { get; init; }
    /// <summary>Number of decode slices, which occupy the first rows.</summary>
    public int DecodeCount { get; init; }
    /// <summary>[DecodeCount * DecodeBlocksPerSequence] block ids, padded with block 0.</summary>
    public Tensor? DecodeBlockIds { get; init; }
    public int DecodeBlocksPerSequence { get; init; }
    /// <summary>[DecodeCount, 1, 1, DecodeBlocksPerSequence * blockSize]: true where a key position is inside the sequence.</summary>
    public Tensor? DecodeMask { get; init; }
    public required IReadOnlyList<PrefillSegment> Prefills { get; init; }
    /// <summary>Rows of the flattened batch whose logits are wanted, and for each the index of its slice in the caller's list.</summary>
    public required Tensor LogitRows { get; init; }
    public required int[] LogitSlices { get; init; }

    public static ForwardBatch Build(IReadOnlyList<SequenceSlice> slices, int blockSize, int groupSize, Device device)
    {
        if (slices.Count == 0) throw new ArgumentException("a step needs at least one slice", nameof(slices));
        var order = Enumerable.Range(0, slices.Count).OrderBy(i => slices[i].Length == 1 ? 0 : 1).ThenBy(i => i).ToArray();
        int total = slices.Sum(s => s.Length);
        var ids = new long[total];
        var positions = new long[total];
        var slots = new long[total];
        var logitRows = new List<long>();
        var logitSlices = new List<int>();
        int decodeCount = order.TakeWhile(i => slices[i].Length == 1).Count();
        int t = 0;
        foreach (var i in order)
        {
            var s = slices[i];
            int needBlocks = (s.EndPosition + blockSize - 1) / blockSize;
            if (s.BlockTable.Count < needBlocks)
                throw new ArgumentException($"slice {i} reaches position {s.EndPosition} but its block table holds {s.BlockTable.Count} blocks of {blockSize}");
            for (int j = 0; j < s.Length; j++)
            {
                int p = s.StartPosition + j;
                ids[t + j] = s.TokenIds[j];
                positions[t + j] = p;
                slots[t + j] = (long)s.BlockTable[p / blockSize] * blockSize + p % blockSize;
            }
            if (s.NeedsLogits) { logitRows.Add(t + s.Length - 1); logitSlices.Add(i); }
            t += s.Length;
        }

        Tensor? decodeBlockIds = null, decodeMask = null;
        int perSeq = 0;
        if (decodeCount > 0)
        {
            perSeq = order.Take(decodeCount).Max(i => (slices[i].EndPosition + blockSize - 1) / blockSize);
            var blocks = new long[decodeCount * perSeq];
            var mask = new bool[decodeCount * perSeq * blockSize];
            for (int b = 0; b < decodeCount; b++)
            {
                var s = slices[order[b]];
                int used = (s.EndPosition + blockSize - 1) / blockSize;
                for (int j = 0; j < used; j++) blocks[b * perSeq + j] = s.BlockTable[j];
                for (int p = 0; p < s.EndPosition; p++) mask[b * perSeq * blockSize + p] = true;
            }
            decodeBlockIds = tensor(blocks, ScalarType.Int64).to(device);
            decodeMask = tensor(mask, [decodeCount, 1, 1, perSeq * blockSize]).to(device);
        }

        var prefills = new List<PrefillSegment>();
        int offset = order.Take(decodeCount).Sum(i => slices[i].Length);
        foreach (var i in order.Skip(decodeCount))
        {
            var s = slices[i];
            int n = s.Length, keysLength = s.EndPosition;
            if (s.StartPosition == 0)
            {
                prefills.Add(new PrefillSegment(offset, n, 0, null, null));
                offset += n;
                continue;
            }
            // Row r of the grouped query (g * n + q) is query token q: it may see keys up to its own position.
            var mask = new bool[groupSize * n * keysLength];
            for (int g = 0; g < groupSize; g++)
                for (int q = 0; q < n; q++)
                    mask.AsSpan(((g * n) + q) * keysLength, s.StartPosition + q + 1).Fill(true);
            int used = (s.EndPosition + blockSize - 1) / blockSize;
            var blockIds = tensor(s.BlockTable.Take(used).Select(b => (long)b).ToArray(), ScalarType.Int64).to(device);
            prefills.Add(new PrefillSegment(offset, n, s.StartPosition, blockIds, tensor(mask, [groupSize * n, keysLength]).to(device)));
            offset += n;
        }

        return new ForwardBatch
        {
            InputIds = tensor(ids, ScalarType.Int64).to(device),
            Positions = tensor(positions, ScalarType.Int64).to(device),
            Slots = tensor(slots, ScalarType.Int64).to(device),
            TokenCount = total,
            DecodeCount = decodeCount,
            DecodeBlockIds = decodeBlockIds,
            DecodeBlocksPerSequence = perSeq,
            DecodeMask = decodeMask,
            Prefills = prefills,
            LogitRows = tensor(logitRows.ToArray(), ScalarType.Int64).to(device),
            LogitSlices = logitSlices.ToArray(),
        };
    }
}
