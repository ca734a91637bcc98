using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Model;
using Dynamo.Orleans.Kernels.Runtime;
using Dynamo.Orleans.Kernels.Sampling;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Diagnostics;

/// <summary>
/// The paged-forward and engine invariants as product code, so that a machine without the .NET SDK (a CUDA host running
/// the bundle's <c>dynamo check</c>) runs the same checks the unit tests run on the CPU. Each runs on a generated float32
/// model (<see cref="SyntheticModelOptions.Tiny"/>) on the given device and reports one <see cref="InvariantResult"/>; an
/// invariant that throws is reported failed with the exception's message, and the others still run.
/// </summary>
public static class DeviceInvariants
{
    public const string PagedForward = "paged forward = contiguous forward";
    public const string EngineGreedy = "engine greedy = cache-free reference";
    public const string ChunkedPrefill = "chunked prefill = one-shot prefill";
    public const string Batching = "batched sequences = each alone";
    public const string PrefixCache = "prefix-cache hit = miss";
    public const string PoolToPool = "handoff through the engines' pools = engine alone";

    /// <summary>Float32 on both paths, which order their reductions differently: equal to well within this on logits of order 0.1–1.</summary>
    public const double LogitTolerance = 1e-4;

    /// <summary>Small blocks, so short prompts cross block boundaries and fill several blocks.</summary>
    private const int BlockSize = 4;
    private const int MaxPositions = 512;

    public static IReadOnlyList<string> Names { get; } = [PagedForward, EngineGreedy, ChunkedPrefill, Batching, PrefixCache, PoolToPool];

    /// <summary>The model every invariant runs on: tiny, float32 (the paths must agree to <see cref="LogitTolerance"/>), seeded.</summary>
    public static SyntheticModelOptions Model { get; } = SyntheticModelOptions.Tiny with { Dtype = SafetensorsDtype.F32, Seed = 13 };

    /// <summary>Runs every invariant on <paramref name="device"/> ("cpu", "cuda:0", ...), in <see cref="Names"/>' order.</summary>
    public static async Task<IReadOnlyList<InvariantResult>> RunAsync(string device, CancellationToken cancellationToken = default)
    {
        var target = TorchDevice.Resolve(device);
        var folder = Path.Combine(Path.GetTempPath(), $"dynamo-invariants-{Environment.ProcessId}-{Guid.NewGuid():N}");
        SyntheticModelFolder.Write(folder, Model);
        try
        {
            var model = new CheckModel(folder, target);
            var checks = new Func<CheckModel, Task<InvariantResult>>[]
            {
                m => Task.FromResult(CheckPagedForward(m)), CheckEngineGreedy, CheckChunkedPrefill, CheckBatching, CheckPrefixCache, CheckPoolToPool,
            };
            var results = new List<InvariantResult>(checks.Length);
            for (int i = 0; i < checks.Length; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    results.Add(await checks[i](model).ConfigureAwait(false));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    results.Add(new InvariantResult(Names[i], false, $"{e.GetType().Name}: {e.Message}"));
                }
            }
            return results;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Where the check model lives and the device it runs on; loads it as a bare model or behind an engine.</summary>
    private sealed record CheckModel(string Folder, Device Device)
    {
        public LlamaModel Load()
        {
            using var checkpoint = Checkpoint.Open(Folder);
            return LlamaModelLoader.Load(checkpoint, ScalarType.Float32, Device, MaxPositions);
        }

        public LlmEngine Engine(int maxBatchedTokens = 256, int maxNumSeqs = 32, bool prefixCaching = true, int blocks = 128) =>
            new(Load(), new EngineOptions
            {
                BlockSize = BlockSize, KvCacheBlocks = blocks, MaxBatchedTokens = maxBatchedTokens, MaxNumSeqs = maxNumSeqs,
                EnablePrefixCaching = prefixCaching, Threads = 1,
            }, []);
    }

    /// <summary>
    /// Prefill then decode over scattered blocks at batch 1, and a mixed batch (decodes, chunks, a chunk after a cached
    /// prefix), against the full forward.
    /// </summary>
    private static InvariantResult CheckPagedForward(CheckModel m)
    {
        using var model = m.Load();
        using var scope = NewDisposeScope();
        var config = model.Config;
        using var cache = new KvCache(config.NumHiddenLayers, 48, BlockSize, config.NumKeyValueHeads, config.HeadDim, ScalarType.Float32, m.Device);
        double worst = 0;
        int rows = 0;
        void Compare(Tensor expected, Tensor actual)
        {
            worst = Math.Max(worst, (expected - actual).abs().max().item<float>());
            rows++;
        }
        Tensor Step(params SequenceSlice[] slices) => model.Forward(ForwardBatch.Build(slices, BlockSize, model.GroupSize, m.Device), cache);

        var tokens = Prompt(17, 1);
        int[] scattered = [17, 3, 40, 8, 25]; // deliberately out of order and apart
        var reference = model.ForwardWithoutCache(tokens);
        Compare(reference[10], Step(new SequenceSlice(tokens[..11], 0, scattered, true))[0]);
        for (int p = 11; p < tokens.Length; p++) Compare(reference[p], Step(new SequenceSlice([tokens[p]], p, scattered, true))[0]);

        int[][] seqs = [Prompt(9, 2), Prompt(4, 3), Prompt(14, 4)];
        int[][] tables = [[30, 31, 5, 6], [44, 45], [12, 13, 14, 33]];
        var refs = seqs.Select(s => model.ForwardWithoutCache(s)).ToArray();
        // Step 1: seq 0 prefills 8 of 9 tokens, seq 1 all 4, seq 2 a first chunk of 5.
        Compare(refs[1][3], Step(new SequenceSlice(seqs[0][..8], 0, tables[0], false), new SequenceSlice(seqs[1], 0, tables[1], true),
                                 new SequenceSlice(seqs[2][..5], 0, tables[2], false))[0]);
        // Step 2: seq 2's rest starts mid-block after its cached chunk; seq 0 decodes its 9th token.
        var batch = ForwardBatch.Build([new SequenceSlice(seqs[2][5..], 5, tables[2], true), new SequenceSlice([seqs[0][8]], 8, tables[0], true)],
                                       BlockSize, model.GroupSize, m.Device);
        var logits = model.Forward(batch, cache);
        Compare(refs[2][13], logits[Array.IndexOf(batch.LogitSlices, 0)]);
        Compare(refs[0][8], logits[Array.IndexOf(batch.LogitSlices, 1)]);
        return InvariantResult.Within(PagedForward, worst, LogitTolerance,
            $"{rows} logit rows (batch 1 over scattered blocks; a mixed batch of decodes and prefill chunks)");
    }

    private static async Task<InvariantResult> CheckEngineGreedy(CheckModel m)
    {
        var prompt = Prompt(9, 1);
        int[] expected;
        using (var model = m.Load()) expected = ReferenceGreedy(model, prompt, 10);
        using var engine = m.Engine();
        return InvariantResult.SameIds(EngineGreedy, expected, await Greedy(engine, prompt, 10).ConfigureAwait(false),
            "the reference re-runs the full forward for every token");
    }

    private static async Task<InvariantResult> CheckChunkedPrefill(CheckModel m)
    {
        var prompt = Prompt(37, 3);
        using var oneShot = m.Engine(maxBatchedTokens: 256);
        using var chunked = m.Engine(maxBatchedTokens: 6, maxNumSeqs: 4); // 37 tokens in chunks of at most 6
        var expected = await Greedy(oneShot, prompt, 8).ConfigureAwait(false);
        var actual = await Greedy(chunked, prompt, 8).ConfigureAwait(false);
        long steps = (await chunked.SettledStatsAsync().ConfigureAwait(false)).Steps;
        var result = InvariantResult.SameIds(ChunkedPrefill, expected, actual, $"a 37-token prompt in chunks of 6 took {steps} steps");
        return steps >= 7 + 7 ? result : result with { Passed = false, Detail = result.Detail + ": the prompt was not chunked" };
    }

    private static async Task<InvariantResult> CheckBatching(CheckModel m)
    {
        var prompts = Enumerable.Range(0, 8).Select(i => Prompt(3 + i, i)).ToArray();
        using var alone = m.Engine();
        var expected = new List<int>();
        foreach (var p in prompts) expected.AddRange(await Greedy(alone, p, 8).ConfigureAwait(false));
        using var engine = m.Engine();
        var together = await Task.WhenAll(prompts.Select(p => Greedy(engine, p, 8))).ConfigureAwait(false);
        long steps = (await engine.SettledStatsAsync().ConfigureAwait(false)).Steps;
        var result = InvariantResult.SameIds(Batching, expected, together.SelectMany(t => t).ToArray(), $"8 sequences of 8 tokens in {steps} steps");
        return steps < 8 * 9 ? result : result with { Passed = false, Detail = result.Detail + ": they were not batched" };
    }

    private static async Task<InvariantResult> CheckPrefixCache(CheckModel m)
    {
        var shared = Prompt(18, 5);
        var second = shared.Concat(Prompt(5, 9)).ToArray();
        using var noReuse = m.Engine(prefixCaching: false);
        var expected = await Greedy(noReuse, second, 8).ConfigureAwait(false);
        using var engine = m.Engine();
        await Greedy(engine, shared, 4).ConfigureAwait(false);
        var handle = engine.Submit(second, SamplingParams.Greedy(8));
        var actual = new List<int>();
        await foreach (var t in handle.ReadAllAsync().ConfigureAwait(false)) actual.Add(t.TokenId);
        var result = InvariantResult.SameIds(PrefixCache, expected, actual,
                                             $"{handle.CachedPromptTokens} of {second.Length} prompt tokens from the cache");
        return handle.CachedPromptTokens == 16 ? result : result with { Passed = false, Detail = result.Detail + ": expected 16 (4 full blocks)" };
    }

    /// <summary>
    /// A producer engine exports a prompt layer by layer by reference (pinned blocks in its pool); a consumer copies the
    /// blocks pool to pool, commits and decodes. Same ids as one engine, and the producer's blocks are free once released.
    /// </summary>
    private static async Task<InvariantResult> CheckPoolToPool(CheckModel m)
    {
        var prompt = Prompt(13, 4);
        const int Tokens = 12;
        using var alone = m.Engine();
        var expected = await Greedy(alone, prompt, Tokens).ConfigureAwait(false);
        using var producer = m.Engine();
        using var consumer = m.Engine();
        var prefilled = await PoolHandoff.PrefillAsync(producer, prompt, SamplingParams.Greedy(Tokens) with { Seed = 7 }, layerGroupSize: 1)
            .ConfigureAwait(false);
        (IReadOnlyList<int> Ids, long Bytes) handed;
        try
        {
            handed = await PoolHandoff.ContinueAsync(consumer, prompt, prefilled.FirstToken, prefilled.Parameters, producer.Pool,
                                                     prefilled.Exports.Select(e => (e.Descriptor, e.Blocks))).ConfigureAwait(false);
        }
        finally
        {
            prefilled.Release();
        }
        int pinned = (await producer.SettledStatsAsync().ConfigureAwait(false)).UsedBlocks;
        var result = InvariantResult.SameIds(PoolToPool, expected, handed.Ids,
            $"{prefilled.Exports.Count} layer groups, {handed.Bytes} bytes copied from a {producer.Pool.Kind} pool");
        return pinned == 0 ? result : result with { Passed = false, Detail = result.Detail + $": {pinned} producer blocks still held after release" };
    }

    private static int[] Prompt(int length, int salt) => Enumerable.Range(0, length).Select(i => (i * 31 + salt * 17 + 7) % 256).ToArray();

    private static async Task<int[]> Greedy(LlmEngine engine, IReadOnlyList<int> prompt, int maxTokens)
    {
        var (tokens, _) = await engine.GenerateAsync(prompt, SamplingParams.Greedy(maxTokens)).ConfigureAwait(false);
        return tokens.Select(t => t.TokenId).ToArray();
    }

    /// <summary>Greedy tokens by re-running the full cache-free forward for every new token: the reference every cached path must equal.</summary>
    public static int[] ReferenceGreedy(LlamaModel model, IReadOnlyList<int> prompt, int maxTokens)
    {
        var tokens = prompt.ToList();
        for (int i = 0; i < maxTokens; i++)
        {
            using var scope = NewDisposeScope();
            tokens.Add((int)model.ForwardWithoutCache(tokens)[-1].argmax().item<long>());
        }
        return tokens.Skip(prompt.Count).ToArray();
    }
}
