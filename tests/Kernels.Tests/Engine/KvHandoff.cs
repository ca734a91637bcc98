using Dynamo.Orleans.Kernels.Diagnostics;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Transfer;

namespace Dynamo.Orleans.Kernels.Tests.Engine;

/// <summary>
/// The production handoff without the fabric around it: a prefill engine exports a prompt's KV by reference with a
/// <see cref="KvExportPlan"/> (its blocks pinned), and a decode engine imports the blocks through reserve, copy and
/// commit as the decode worker grain does, cancelling the reservation when any step fails.
/// </summary>
internal static class KvHandoff
{
    /// <summary>A prefill that ended handed off: its first token and the layer groups it exported, in the order they came.</summary>
    /// <param name="Parameters">The prefill's parameters with its seed: what the continuation must sample with.</param>
    public sealed record Prefilled(int First, SamplingParams Parameters, IReadOnlyList<KvBlockExport> Groups) : IDisposable
    {
        /// <summary>Unpins the prefill engine's blocks, as the end of a lease does.</summary>
        public void Dispose()
        {
            foreach (var g in Groups) g.Release();
        }
    }

    public static async Task<Prefilled> PrefillAsync(LlmEngine engine, int[] prompt, SamplingParams parameters, ulong seed, int layerGroupSize)
    {
        var prefilled = await PoolHandoff.PrefillAsync(engine, prompt, parameters with { Seed = seed }, layerGroupSize); // fails unless handed off
        return new Prefilled(prefilled.FirstToken, prefilled.Parameters, prefilled.Exports);
    }

    /// <summary>Reserves room for <paramref name="tokenCount"/> tokens, writes every group and commits; on failure the reservation is cancelled.</summary>
    public static async Task<SequenceHandle> ImportAsync(LlmEngine engine, int tokenCount, IEnumerable<KvBlockExport> groups, SequenceContinuation continuation)
    {
        var reservation = await engine.ReserveImportAsync(tokenCount);
        try
        {
            foreach (var g in groups) KvBlockCopy.Import(engine.ImportTarget(reservation), g.Descriptor, g.Pool, g.Blocks);
        }
        catch
        {
            await engine.CancelImportAsync(reservation);
            throw;
        }
        return await engine.CommitImportAsync(reservation, continuation); // a refused commit frees the reservation itself
    }

    /// <summary>A group's bytes in travelling order, as a byte transport (a socket) carries them.</summary>
    public static unsafe KvPages OnTheWire(KvBlockExport group)
    {
        var d = group.Descriptor;
        var bytes = new byte[d.ByteLength];
        long at = 0;
        foreach (var (offset, length) in KvBlockRuns.Of(group.Pool.Layout, group.Blocks, d.LayerStart, d.LayerCount))
        {
            new ReadOnlySpan<byte>((byte*)(group.Pool.Address + (nint)offset), (int)length).CopyTo(bytes.AsSpan((int)at));
            at += length;
        }
        return KvPages.FromBytes(d, bytes);
    }

    public static async Task<int[]> ReadAllAsync(SequenceHandle handle)
    {
        var tokens = new List<int>();
        await foreach (var t in handle.ReadAllAsync()) tokens.Add(t.TokenId);
        return tokens.ToArray();
    }
}
