namespace Dynamo.Orleans.Kernels.Model;

/// <summary>
/// The part of one sequence computed in a step: <paramref name="TokenIds"/> sit at positions
/// <paramref name="StartPosition"/>.. and their KV goes into the sequence's <paramref name="BlockTable"/>.
/// A decode step is a slice of one token; a prefill chunk is a longer one that may start after a cached prefix.
/// </summary>
public sealed record SequenceSlice(IReadOnlyList<int> TokenIds, int StartPosition, IReadOnlyList<int> BlockTable, bool NeedsLogits)
{
    public int Length => TokenIds.Count;
    public int EndPosition => StartPosition + TokenIds.Count;
}
