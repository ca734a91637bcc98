using System.Collections.Concurrent;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Model;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Transfer;
using TorchSharp;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// One model, one paged KV cache, one thread. Callers submit sequences and receive tokens through channels; every
/// piece of engine state (queues, blocks, tensors) is touched only by the engine thread, and anything a caller asks
/// of it (submit, cancel, import) is posted there and runs between steps. Keeping compute on this thread also
/// keeps it off whatever scheduler the caller runs on (Orleans' included).
/// </summary>
public sealed class LlmEngine : IDisposable
{
    private readonly LlamaModel model;
    private readonly KvCache cache;
    private readonly BlockPool pool;
    private readonly Scheduler scheduler;
    private readonly HashSet<int> eosTokenIds;
    private readonly ConcurrentQueue<Action> commands = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly Dictionary<long, Sequence> live = new();
    private readonly Dictionary<long, KvImportReservation> reservations = new();
    private readonly Thread thread;
    private readonly int threads;
    private volatile bool stopping;
    private long nextId;
    private long steps, promptTokens, computedPromptTokens, cachedPromptTokens, generatedTokens, preemptions;
    private volatile EngineStats stats;

    public LlmEngine(LlamaModel model, EngineOptions options, IEnumerable<int> eosTokenIds)
    {
        options.Validate();
        this.model = model;
        this.eosTokenIds = eosTokenIds.ToHashSet();
        var config = model.Config;
        BlockSize = options.BlockSize;
        MaxModelLen = Math.Min(options.ResolveMaxModelLen(config), model.MaxPositions);
        long perBlock = KvCache.BytesPerBlock(config.NumHiddenLayers, BlockSize, config.NumKeyValueHeads, config.HeadDim, model.DType);
        long blocks = options.KvCacheBlocks ?? options.KvCacheBytes / perBlock;
        if (blocks < 1)
            throw new ArgumentException($"KvCacheBytes {options.KvCacheBytes} is less than one KV block ({perBlock} bytes for {BlockSize} tokens over {config.NumHiddenLayers} layers)");
        cache = new KvCache(config.NumHiddenLayers, (int)Math.Min(blocks, int.MaxValue / BlockSize), BlockSize, config.NumKeyValueHeads, config.HeadDim, model.DType, model.Device);
        pool = new BlockPool(cache.Blocks, BlockSize);
        scheduler = new Scheduler(pool, options.MaxNumSeqs, options.MaxBatchedTokens, options.EnablePrefixCaching);
        threads = options.Threads ?? Environment.ProcessorCount;
        stats = Snapshot();
        thread = new Thread(Run) { IsBackground = true, Name = "dynamo-engine" };
        thread.Start();
    }

    public LlamaModel Model => model;
    public int BlockSize { get; }
    public int MaxModelLen { get; }
    public int TotalBlocks => pool.TotalBlocks;
    public IReadOnlySet<int> EosTokenIds => eosTokenIds;
    public EngineStats Stats => stats;

    /// <summary>Queues a sequence that decodes here until it ends.</summary>
    public SequenceHandle Submit(IReadOnlyList<int> prompt, SamplingParams parameters) =>
        Enqueue(prompt, prompt.Count, parameters, 0, null);

    /// <summary>
    /// Queues a sequence that another engine started (a re-route after a worker failed): its KV is recomputed (the prefix
    /// cache may supply some) and generation carries on from <see cref="SequenceContinuation.Generated"/> tokens.
    /// </summary>
    public SequenceHandle Submit(SequenceContinuation continuation) =>
        Enqueue(continuation.Tokens, continuation.PromptLength, continuation.Parameters, continuation.Generated, null);

    /// <summary>Queues a prompt whose KV is streamed out per layer group during prefill (see <see cref="KvExportPlan"/>).</summary>
    public SequenceHandle Submit(IReadOnlyList<int> prompt, SamplingParams parameters, KvExportPlan export)
    {
        if (export.LayerGroupSize < 1) throw new ArgumentOutOfRangeException(nameof(export), "a layer group holds at least one layer");
        return Enqueue(prompt, prompt.Count, parameters, 0, export);
    }

    /// <param name="parameters">Without a seed the engine picks one; <see cref="SequenceHandle.Parameters"/> then carries it.</param>
    private SequenceHandle Enqueue(IReadOnlyList<int> tokens, int promptLength, SamplingParams parameters, int generated, KvExportPlan? export)
    {
        ValidateTokens(tokens, parameters);
        if (promptLength < 1 || promptLength > tokens.Count) throw new ArgumentException($"prompt length {promptLength} does not fit {tokens.Count} tokens");
        if (generated >= parameters.MaxTokens) throw new ArgumentException($"the sequence already has {generated} of its {parameters.MaxTokens} max tokens");
        if (pool.BlocksFor(tokens.Count + 1) > pool.TotalBlocks)
            throw new KvCacheFullException($"a prompt of {tokens.Count} tokens needs {pool.BlocksFor(tokens.Count + 1)} KV blocks but the cache holds only {pool.TotalBlocks}");
        if (parameters.Seed is null) parameters = parameters with { Seed = (ulong)Random.Shared.NextInt64() };
        var sequence = new Sequence(Interlocked.Increment(ref nextId), tokens, promptLength, parameters, generated, export);
        Post(() =>
        {
            live[sequence.Id] = sequence;
            promptTokens += promptLength;
            scheduler.Enqueue(sequence);
        });
        return new SequenceHandle(sequence, Cancel);
    }

    /// <summary>Runs a sequence to its end and collects its tokens.</summary>
    public async Task<(IReadOnlyList<GeneratedToken> Tokens, FinishReason? Finish)> GenerateAsync(
        IReadOnlyList<int> prompt, SamplingParams parameters, CancellationToken cancellationToken = default)
    {
        var handle = Submit(prompt, parameters);
        var tokens = new List<GeneratedToken>();
        await foreach (var token in handle.ReadAllAsync(cancellationToken).ConfigureAwait(false)) tokens.Add(token);
        return (tokens, await handle.Completion.ConfigureAwait(false));
    }

    /// <summary>Ends a sequence at the next step boundary and frees its blocks. Safe to repeat.</summary>
    public void Cancel(long sequenceId)
    {
        if (stopping) return; // shutdown ends every sequence anyway
        Post(() =>
        {
            if (live.TryGetValue(sequenceId, out var s)) End(s, FinishReason.Cancelled);
        });
    }

    /// <summary>Sets blocks aside for <paramref name="tokenCount"/> tokens of KV that are about to arrive.</summary>
    public Task<KvImportReservation> ReserveImportAsync(int tokenCount) => InvokeAsync(() =>
    {
        if (tokenCount < 1) throw new ArgumentOutOfRangeException(nameof(tokenCount), "an import needs at least one token of KV");
        var table = new BlockTable();
        if (!pool.TryGrow(table, tokenCount))
            throw new KvCacheFullException($"importing {tokenCount} tokens of KV needs {pool.BlocksFor(tokenCount)} blocks of {BlockSize} tokens but only {pool.FreeBlocks} of {pool.TotalBlocks} are free");
        var reservation = new KvImportReservation(Interlocked.Increment(ref nextId), tokenCount, table);
        reservations[reservation.Id] = reservation;
        return reservation;
    });

    /// <summary>Writes one layer group of pages into a reservation.</summary>
    public Task WriteImportAsync(KvImportReservation reservation, KvPages pages) => InvokeAsync(() =>
    {
        if (!reservations.ContainsKey(reservation.Id)) throw new InvalidOperationException($"import {reservation.Id} was committed or cancelled");
        CheckCompatible(pages.Descriptor, reservation.TokenCount);
        cache.WriteBlocks(pages.Descriptor.LayerStart, pages.Data, reservation.Table.Blocks);
        return true;
    });

    /// <summary>Turns a filled reservation into a running sequence that continues from <paramref name="continuation"/>.</summary>
    public Task<SequenceHandle> CommitImportAsync(KvImportReservation reservation, SequenceContinuation continuation) => InvokeAsync(() =>
    {
        if (!reservations.Remove(reservation.Id)) throw new InvalidOperationException($"import {reservation.Id} was committed or cancelled");
        try
        {
            ValidateTokens(continuation.Tokens, continuation.Parameters);
            if (reservation.TokenCount >= continuation.Tokens.Count)
                throw new ArgumentException($"the imported KV covers {reservation.TokenCount} tokens; the continuation must have more tokens than that, it has {continuation.Tokens.Count}");
        }
        catch
        {
            pool.Release(reservation.Table);
            throw;
        }
        var s = new Sequence(Interlocked.Increment(ref nextId), continuation.Tokens, continuation.PromptLength, continuation.Parameters,
                             continuation.Generated) { Computed = reservation.TokenCount };
        s.Table.Blocks.AddRange(reservation.Table.Blocks);
        pool.Seal(s.Table, s.Tokens, s.Computed);
        live[s.Id] = s;
        scheduler.AdmitRunning(s);
        return new SequenceHandle(s, Cancel);
    });

    public Task CancelImportAsync(KvImportReservation reservation) => InvokeAsync(() =>
    {
        if (reservations.Remove(reservation.Id)) pool.Release(reservation.Table);
        return true;
    });

    /// <summary>Runs <paramref name="action"/> on the engine thread between steps.</summary>
    public Task<T> InvokeAsync<T>(Func<T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Post(() =>
        {
            try { done.SetResult(action()); }
            catch (Exception e) { done.SetException(e); }
        });
        return done.Task;
    }

    private void CheckCompatible(KvPageDescriptor d, int tokenCount)
    {
        if (d.BlockSize != BlockSize || d.KvHeads != cache.KvHeads || d.HeadDim != cache.HeadDim || d.TotalLayers != cache.Layers)
            throw new ArgumentException($"KV pages (block size {d.BlockSize}, {d.TotalLayers} layers, {d.KvHeads} KV heads of {d.HeadDim}) do not fit this engine " +
                                        $"(block size {BlockSize}, {cache.Layers} layers, {cache.KvHeads} KV heads of {cache.HeadDim})");
        if (d.TokenCount != tokenCount)
            throw new ArgumentException($"KV pages hold {d.TokenCount} tokens but the reservation is for {tokenCount}");
    }

    private void ValidateTokens(IReadOnlyList<int> tokens, SamplingParams parameters)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        parameters.Validate();
        if (tokens.Count == 0) throw new ArgumentException("the prompt is empty: at least one token is needed");
        if (tokens.Count >= MaxModelLen)
            throw new ArgumentException($"the prompt has {tokens.Count} tokens but the context window is {MaxModelLen}: no room for output");
        int vocab = model.Config.VocabSize;
        foreach (var t in tokens)
            if (t < 0 || t >= vocab) throw new ArgumentException($"token id {t} is outside the vocabulary (0..{vocab - 1})");
    }

    private void Post(Action command)
    {
        if (stopping) throw new ObjectDisposedException(nameof(LlmEngine));
        commands.Enqueue(command);
        wake.Release();
    }

    private void Run()
    {
        torch.set_num_threads(threads);
        using var inference = torch.inference_mode();
        while (!stopping)
        {
            while (commands.TryDequeue(out var command)) command();

            var plan = scheduler.Schedule();
            foreach (var s in scheduler.Unschedulable) End(s, FinishReason.Length);
            scheduler.Unschedulable.Clear();
            if (plan.Count == 0)
            {
                stats = Snapshot();
                wake.Wait();
                continue;
            }
            try
            {
                Step(plan);
            }
            catch (Exception e)
            {
                // A failed step must not take the engine down: end the sequences it touched and carry on.
                foreach (var chunk in plan) End(chunk.Sequence, FinishReason.Error, e);
            }
            stats = Snapshot();
        }
        // Shutdown: every sequence still here ends, so no caller waits forever.
        foreach (var s in live.Values.ToList()) End(s, FinishReason.Cancelled);
    }

    private void Step(List<ScheduledChunk> plan)
    {
        using var scope = NewDisposeScope();
        var slices = new List<SequenceSlice>(plan.Count);
        foreach (var (s, count) in plan)
            slices.Add(new SequenceSlice(s.Tokens.GetRange(s.Computed, count), s.Computed, s.Table.Blocks.ToArray(), s.Computed + count == s.Tokens.Count));
        var batch = ForwardBatch.Build(slices, BlockSize, model.GroupSize, model.Device);
        List<Sequence>? exporting = null; // sequences whose prompt completes in this step and streams its KV out
        foreach (var (s, count) in plan)
            if (s.Export is not null && s.Computed + count == s.Tokens.Count) (exporting ??= new()).Add(s);
        var logits = model.Forward(batch, cache, exporting is null ? null : layer => ExportLayerGroup(exporting, layer));

        foreach (var (s, count) in plan)
        {
            if (s.Computed < s.PromptLength) computedPromptTokens += Math.Min(count, s.PromptLength - s.Computed);
            s.Computed += count;
            pool.Seal(s.Table, s.Tokens, s.Computed);
        }
        steps++;

        int rows = batch.LogitSlices.Length;
        if (rows == 0) return;
        bool argmaxOnly = true;
        for (int r = 0; r < rows; r++)
        {
            var p = plan[batch.LogitSlices[r]].Sequence.Parameters;
            if (!p.IsGreedy || p.Logprobs is not null) { argmaxOnly = false; break; }
        }
        if (argmaxOnly)
        {
            var ids = logits.argmax(-1).cpu().data<long>().ToArray();
            for (int r = 0; r < rows; r++) Accept(plan[batch.LogitSlices[r]].Sequence, new SampledToken((int)ids[r], null, null));
            return;
        }
        var values = logits.cpu().data<float>().ToArray();
        int vocab = (int)logits.shape[1];
        for (int r = 0; r < rows; r++)
        {
            var s = plan[batch.LogitSlices[r]].Sequence;
            Accept(s, Sampler.Sample(values.AsSpan(r * vocab, vocab), s.Parameters, s.Seed, s.Generated));
        }
    }

    /// <summary>After <paramref name="layer"/> is written: if it closes a layer group, copy that group out for each exporting sequence.</summary>
    private void ExportLayerGroup(List<Sequence> exporting, int layer)
    {
        foreach (var s in exporting)
        {
            int size = s.Export!.LayerGroupSize;
            bool closes = (layer + 1) % size == 0 || layer == cache.Layers - 1;
            if (!closes) continue;
            int start = layer / size * size;
            int tokens = s.Tokens.Count; // this step completes the prompt: every token has KV once the layer is written
            var blocks = s.Table.Blocks.Take(pool.BlocksFor(tokens)).ToArray();
            var descriptor = new KvPageDescriptor(tokens, BlockSize, start, layer - start + 1, cache.Layers, cache.KvHeads, cache.HeadDim,
                                                  KvPageDescriptor.NameOf(cache.DType));
            s.Export.OnPages(new KvPages(descriptor, cache.ReadBlocks(start, layer - start + 1, blocks, CPU)));
        }
    }

    private void Accept(Sequence s, SampledToken sampled)
    {
        if (s.CancelRequested || s.State != SequenceState.Running) return;
        int id = sampled.TokenId;
        s.Tokens.Add(id);
        s.Generated++;
        generatedTokens++;
        FinishReason? finish = null;
        if (s.Parameters.StopTokenIds.Contains(id) || (!s.Parameters.IgnoreEos && eosTokenIds.Contains(id))) finish = FinishReason.Stop;
        else if (s.Generated >= s.Parameters.MaxTokens || s.Tokens.Count >= MaxModelLen) finish = FinishReason.Length;
        s.Output.Writer.TryWrite(new GeneratedToken(id, sampled.Logprob, sampled.TopLogprobs, finish));
        if (finish is { } reason) End(s, reason);
        else if (s.Export is not null) End(s, null); // handed off: the exported pages carry the KV on
    }

    /// <param name="reason">Null: the sequence was handed to another engine after its first token.</param>
    private void End(Sequence s, FinishReason? reason, Exception? error = null)
    {
        if (s.State == SequenceState.Finished) return;
        scheduler.Remove(s);
        live.Remove(s.Id);
        pool.Release(s.Table);
        if (s.Preemptions > 0) preemptions += s.Preemptions;
        cachedPromptTokens += s.CachedPromptTokens;
        s.State = SequenceState.Finished;
        s.Output.Writer.TryComplete(error is null ? null : new InvalidOperationException($"sequence {s.Id} failed in the engine: {error.Message}", error));
        s.Completion.TrySetResult(reason);
    }

    private EngineStats Snapshot() => new(
        scheduler.RunningCount, scheduler.WaitingCount,
        pool.TotalBlocks, pool.UsedBlocks, pool.FreeBlocks, pool.CachedBlocks,
        steps, promptTokens, computedPromptTokens, cachedPromptTokens, generatedTokens, preemptions);

    public void Dispose()
    {
        if (stopping) return;
        stopping = true;
        wake.Release();
        thread.Join();
        cache.Dispose();
        model.Dispose();
        wake.Dispose();
    }
}
