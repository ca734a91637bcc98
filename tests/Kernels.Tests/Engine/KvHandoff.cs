using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Transfer;

namespace Dynamo.Orleans.Kernels.Tests.Engine;

/// <summary>
/// The production handoff without the fabric around it: a prefill engine streams a prompt's KV out with a
/// <see cref="KvExportPlan"/>, and a decode engine imports the pages through reserve, write and commit as the decode
/// worker grain does, cancelling the reservation when any step fails.
/// </summary>
internal static class KvHandoff
{
    /// <summary>A prefill that ended handed off: its first token and the pages it streamed, in the order they came.</summary>
    /// <param name="Parameters">The prefill's parameters with its seed: what the continuation must sample with.</param>
    public sealed record Prefilled(int First, SamplingParams Parameters, IReadOnlyList<KvPages> Groups) : IDisposable
    {
        public void Dispose()
        {
            foreach (var g in Groups) g.Dispose();
        }
    }

    public static async Task<Prefilled> PrefillAsync(LlmEngine engine, int[] prompt, SamplingParams parameters, ulong seed, int layerGroupSize)
    {
        var groups = new System.Collections.Concurrent.ConcurrentQueue<KvPages>();
        var handle = engine.Submit(prompt, parameters with { Seed = seed }, new KvExportPlan(layerGroupSize, groups.Enqueue));
        var first = await handle.Tokens.ReadAsync();
        Assert.Null(await handle.Completion); // handed off, not finished
        return new Prefilled(first.TokenId, handle.Parameters, groups.ToArray());
    }

    /// <summary>Reserves room for <paramref name="tokenCount"/> tokens, writes every group and commits; on failure the reservation is cancelled.</summary>
    public static async Task<SequenceHandle> ImportAsync(LlmEngine engine, int tokenCount, IEnumerable<KvPages> groups, SequenceContinuation continuation)
    {
        var reservation = await engine.ReserveImportAsync(tokenCount);
        try
        {
            foreach (var g in groups) await engine.WriteImportAsync(reservation, g);
        }
        catch
        {
            await engine.CancelImportAsync(reservation);
            throw;
        }
        return await engine.CommitImportAsync(reservation, continuation); // a refused commit frees the reservation itself
    }

    public static async Task<int[]> ReadAllAsync(SequenceHandle handle)
    {
        var tokens = new List<int>();
        await foreach (var t in handle.ReadAllAsync()) tokens.Add(t.TokenId);
        return tokens.ToArray();
    }
}
