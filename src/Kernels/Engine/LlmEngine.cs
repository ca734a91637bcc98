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
    private readonly LlamaModel _model;
    private readonly KvCache _cache;
    private readonly BlockPool _pool;
    private readonly Scheduler _scheduler;
    private readonly HashSet<int> _eosTokenIds;
    private readonly ConcurrentQueue<Action> _commands = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Dictionary<long, Sequence> _live = new();
    private readonly Dictionary<long, KvImportReservation> _reservations = new();
    private readonly KvEventLog _events = new();
    private readonly Thread _thread;
    private readonly int _threads;
    private readonly int _threadNice;
    private int _threadCountAtLastLook = -1; // engine thread only
    private long _nextWorkerLookAt; // Environment.TickCount64; engine thread only
    /// <summary>The engine thread's name; libtorch's workers carry it too (a Linux thread starts with its creator's name).</summary>
    public const string ThreadName = "dynamo-engine";
    private volatile bool _stopping;
    private long _nextId;
    // Sequences submitted but not yet taken in by the engine thread (it takes them between steps, and a prefill step
    // can last a second): counted in Stats so that a router asking mid-step sees them.
    private int _submitted;
    private long _submittedTokens;
    // Taken in since the last snapshot (engine thread only): they leave the submitted count when a snapshot shows them.
    private int _taken;
    private long _takenTokens;
    private long _steps, _promptTokens, _computedPromptTokens, _cachedPromptTokens, _generatedTokens, _preemptions;
    private volatile EngineStats _stats;

    public LlmEngine(LlamaModel model, EngineOptions options, IEnumerable<int> eosTokenIds)
    {
        options.Validate();
        _model = model;
        _eosTokenIds = eosTokenIds.ToHashSet();
        var config = model.Config;
        BlockSize = options.BlockSize;
        MaxModelLen = Math.Min(options.ResolveMaxModelLen(config), model.MaxPositions);
        long perBlock = KvCache.BytesPerBlock(config.NumHiddenLayers, BlockSize, config.NumKeyValueHeads, config.HeadDim, model.DType);
        long blocks = options.KvCacheBlocks ?? options.KvCacheBytes / perBlock;
        if (blocks < 1)
            throw new ArgumentException($"KvCacheBytes {options.KvCacheBytes} is less than one KV block ({perBlock} bytes for {BlockSize} tokens over {config.NumHiddenLayers} layers)");
        var layout = new KvPoolLayout(config.NumHiddenLayers, (int)Math.Min(blocks, int.MaxValue / BlockSize), BlockSize, config.NumKeyValueHeads, config.HeadDim, model.DType);
        _cache = new KvCache(KvPool.Create(layout, model.Device, options.KvPool, out var fallback));
        PoolFallback = fallback;
        // Without prefix caching nothing is reused, so telling routers what is cached would only mislead them.
        _pool = new BlockPool(_cache.Blocks, BlockSize) { RecordEvents = options.EnablePrefixCaching };
        _scheduler = new Scheduler(_pool, options.MaxNumSeqs, options.MaxBatchedTokens, options.EnablePrefixCaching);
        _threads = options.Threads ?? Environment.ProcessorCount;
        _threadNice = options.ThreadNice;
        _stats = Snapshot();
        // Named by Run itself, once it is registered as an engine thread (EngineThreadPriority goes by names).
        _thread = new Thread(Run) { IsBackground = true };
        _thread.Start();
    }

    public LlamaModel Model => _model;
    /// <summary>The memory the KV cache lives in: registered (peers on the host map it) unless the host does not allow it.</summary>
    public KvPool Pool => _cache.Pool;
    /// <summary>Why the pool is private although a registered one was asked for (null: it is what was asked for).</summary>
    public string? PoolFallback { get; }
    public int BlockSize { get; }
    public int MaxModelLen { get; }
    public int TotalBlocks => _pool.TotalBlocks;
    public IReadOnlySet<int> EosTokenIds => _eosTokenIds;
    public EngineStats Stats
    {
        get
        {
            var stats = _stats;
            int submitted = Volatile.Read(ref _submitted);
            return submitted == 0 ? stats : stats with
            {
                Waiting = stats.Waiting + submitted,
                PendingPrefillTokens = stats.PendingPrefillTokens + Interlocked.Read(ref _submittedTokens),
            };
        }
    }

    /// <summary>Stats taken on the engine thread after everything posted before this call: exact, not a step behind.</summary>
    public Task<EngineStats> SettledStatsAsync() => InvokeAsync(Snapshot);

    /// <summary>What entered and left the prefix cache, one batch per step that changed it.</summary>
    public KvEventLog CacheEvents => _events;

    /// <summary>Every block in the prefix cache, consistent with <see cref="CacheEvents"/> at the id it names.</summary>
    public Task<KvCacheSnapshot> SnapshotCacheAsync() => InvokeAsync(() =>
    {
        PublishCacheEvents();
        return new KvCacheSnapshot(_events.LastEventId, BlockSize, _pool.TotalBlocks, _pool.CachedBlockEvents());
    });

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
        if (_pool.BlocksFor(tokens.Count + 1) > _pool.TotalBlocks)
            throw new KvCacheFullException($"a prompt of {tokens.Count} tokens needs {_pool.BlocksFor(tokens.Count + 1)} KV blocks but the cache holds only {_pool.TotalBlocks}");
        if (parameters.Seed is null) parameters = parameters with { Seed = (ulong)Random.Shared.NextInt64() };
        var sequence = new Sequence(Interlocked.Increment(ref _nextId), tokens, promptLength, parameters, generated, export);
        Interlocked.Increment(ref _submitted);
        Interlocked.Add(ref _submittedTokens, tokens.Count);
        try
        {
            Post(Take);
        }
        catch
        {
            Interlocked.Add(ref _submittedTokens, -tokens.Count);
            Interlocked.Decrement(ref _submitted);
            throw;
        }
        return new SequenceHandle(sequence, Cancel);

        void Take()
        {
            _live[sequence.Id] = sequence;
            _promptTokens += promptLength;
            _scheduler.Enqueue(sequence);
            _taken++;
            _takenTokens += tokens.Count;
        }
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
        if (_stopping) return; // shutdown ends every sequence anyway
        Post(() =>
        {
            if (_live.TryGetValue(sequenceId, out var s)) End(s, FinishReason.Cancelled);
        });
    }

    /// <summary>Sets blocks aside for <paramref name="tokenCount"/> tokens of KV that are about to arrive.</summary>
    public Task<KvImportReservation> ReserveImportAsync(int tokenCount) => InvokeAsync(() =>
    {
        if (tokenCount < 1) throw new ArgumentOutOfRangeException(nameof(tokenCount), "an import needs at least one token of KV");
        var table = new BlockTable();
        if (!_pool.TryGrow(table, tokenCount))
            throw new KvCacheFullException($"importing {tokenCount} tokens of KV needs {_pool.BlocksFor(tokenCount)} blocks of {BlockSize} tokens but only {_pool.FreeBlocks} of {_pool.TotalBlocks} are free");
        var reservation = new KvImportReservation(Interlocked.Increment(ref _nextId), tokenCount, table, ReleaseFromAnyThread);
        _reservations[reservation.Id] = reservation;
        return reservation;
    });

    /// <summary>Writes one layer group of pages (a staged copy: a socket's bytes on a device pool) into a reservation.</summary>
    public Task WriteImportAsync(KvImportReservation reservation, KvPages pages) => InvokeAsync(() =>
    {
        if (!_reservations.ContainsKey(reservation.Id) || !reservation.TryBeginWrite()) throw new InvalidOperationException($"import {reservation.Id} was committed or cancelled");
        try
        {
            CheckCompatible(pages.Descriptor, reservation.TokenCount);
            _cache.WriteBlocks(pages.Descriptor.LayerStart, pages.Data, reservation.Table.Blocks);
        }
        finally { reservation.EndWrite(); }
        return true;
    });

    /// <summary>
    /// The reservation as a place transports write into (from any thread): a copy from a peer's pool, a socket. The
    /// reservation cannot be freed under a write (see <see cref="KvImportReservation"/>).
    /// </summary>
    public IKvImportTarget ImportTarget(KvImportReservation reservation) => new ReservationTarget(this, reservation);

    private sealed class ReservationTarget(LlmEngine engine, KvImportReservation reservation) : IKvImportTarget
    {
        public IKvBlockMemory Memory => engine.Pool;
        public IReadOnlyList<int> Blocks => reservation.Blocks;

        public void BeginWrite(KvPageDescriptor descriptor)
        {
            engine.CheckCompatible(descriptor, reservation.TokenCount);
            if (!reservation.TryBeginWrite()) throw new InvalidOperationException($"import {reservation.Id} was committed or cancelled");
        }

        public void EndWrite() => reservation.EndWrite();
    }

    /// <summary>Turns a filled reservation into a running sequence that continues from <paramref name="continuation"/>.</summary>
    public Task<SequenceHandle> CommitImportAsync(KvImportReservation reservation, SequenceContinuation continuation) => InvokeAsync(() =>
    {
        if (!_reservations.Remove(reservation.Id)) throw new InvalidOperationException($"import {reservation.Id} was committed or cancelled");
        if (!reservation.Close(releaseWhenIdle: true))
            throw new InvalidOperationException($"import {reservation.Id} is still being written: it was cancelled instead of committed");
        try
        {
            ValidateTokens(continuation.Tokens, continuation.Parameters);
            if (reservation.TokenCount >= continuation.Tokens.Count)
                throw new ArgumentException($"the imported KV covers {reservation.TokenCount} tokens; the continuation must have more tokens than that, it has {continuation.Tokens.Count}");
        }
        catch
        {
            _pool.Release(reservation.Table);
            throw;
        }
        var s = new Sequence(Interlocked.Increment(ref _nextId), continuation.Tokens, continuation.PromptLength, continuation.Parameters,
                             continuation.Generated)
        { Computed = reservation.TokenCount };
        s.Table.Blocks.AddRange(reservation.Table.Blocks);
        _pool.Seal(s.Table, s.Tokens, s.Computed);
        _live[s.Id] = s;
        _scheduler.AdmitRunning(s);
        return new SequenceHandle(s, Cancel);
    });

    public Task CancelImportAsync(KvImportReservation reservation) => InvokeAsync(() =>
    {
        // A write still in flight returns the blocks itself when it ends (never while bytes still land in them).
        if (_reservations.Remove(reservation.Id) && reservation.Close(releaseWhenIdle: true)) _pool.Release(reservation.Table);
        return true;
    });

    /// <summary>Returns blocks from any thread (a pin's release, a write that outlived its reservation); nothing once stopping.</summary>
    private void ReleaseFromAnyThread(BlockTable table)
    {
        if (_stopping) return; // the pool goes away with the engine
        try { Post(() => _pool.Release(table)); }
        catch (ObjectDisposedException) { }
    }

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
        if (d.BlockSize != BlockSize || d.KvHeads != _cache.KvHeads || d.HeadDim != _cache.HeadDim || d.TotalLayers != _cache.Layers)
            throw new ArgumentException($"KV pages (block size {d.BlockSize}, {d.TotalLayers} layers, {d.KvHeads} KV heads of {d.HeadDim}) do not fit this engine " +
                                        $"(block size {BlockSize}, {_cache.Layers} layers, {_cache.KvHeads} KV heads of {_cache.HeadDim})");
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
        int vocab = _model.Config.VocabSize;
        foreach (var t in tokens)
            if (t < 0 || t >= vocab) throw new ArgumentException($"token id {t} is outside the vocabulary (0..{vocab - 1})");
    }

    private void Post(Action command)
    {
        if (_stopping) throw new ObjectDisposedException(nameof(LlmEngine));
        _commands.Enqueue(command);
        _wake.Release();
    }

    private void Run()
    {
        int osThread = EngineThreadPriority.RegisterEngineThread();
        try
        {
            Thread.CurrentThread.Name = ThreadName; // libtorch's workers, started from this thread, take this name too
            torch.set_num_threads(_threads);
            using var inference = torch.inference_mode();
            StartWorkers();
            Loop();
        }
        finally
        {
            EngineThreadPriority.UnregisterEngineThread(osThread);
        }
    }

    /// <summary>
    /// Has libtorch start the workers it will use for this thread now (its OpenMP team appears on the first parallel op),
    /// then lowers their priority: the engine computes on all its threads while whatever else runs in the process gets a
    /// core the moment it needs one. This thread keeps its own priority (EngineThreadPriority says why).
    /// </summary>
    private void StartWorkers()
    {
        using (NewDisposeScope())
            torch.ones(_threads * 65536L).add_(1); // 2 chunks of libtorch's parallel grain (32,768) per thread
        LowerNewWorkers();
    }

    /// <summary>
    /// Lowers libtorch's workers whenever the process has a different number of threads than at the last look: a kernel
    /// (MKL's, oneDNN's) or a larger parallel op may start workers after <see cref="StartWorkers"/> (a test run once
    /// found workers that the first look had missed). At most once a second, not every step: counting threads is a file
    /// read, and the full look reads every thread's name.
    /// </summary>
    private void LowerNewWorkers()
    {
        if (_threadNice == 0 || Environment.TickCount64 < _nextWorkerLookAt) return;
        _nextWorkerLookAt = Environment.TickCount64 + 1000;
        int count = EngineThreadPriority.ProcessThreadCount();
        if (count == _threadCountAtLastLook) return;
        EngineThreadPriority.LowerWorkersOfCurrentThread(_threadNice);
        _threadCountAtLastLook = count;
    }

    private void Loop()
    {
        while (!_stopping)
        {
            while (_commands.TryDequeue(out var command)) command();
            PublishCacheEvents(); // an import's commit seals blocks; a reservation may evict some
            if (_taken > 0) TakeSnapshot(); // one snapshot for the whole batch of submissions, before the step

            var plan = _scheduler.Schedule();
            foreach (var s in _scheduler.Unschedulable) End(s, FinishReason.Length);
            _scheduler.Unschedulable.Clear();
            if (plan.Count == 0)
            {
                _stats = Snapshot();
                _wake.Wait();
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
            PublishCacheEvents();
            _stats = Snapshot();
            LowerNewWorkers();
        }
        // Shutdown: every sequence still here ends, so no caller waits forever.
        foreach (var s in _live.Values.ToList()) End(s, FinishReason.Cancelled);
    }

    private void Step(List<ScheduledChunk> plan)
    {
        using var scope = NewDisposeScope();
        var slices = new List<SequenceSlice>(plan.Count);
        foreach (var (s, count) in plan)
            slices.Add(new SequenceSlice(s.Tokens.GetRange(s.Computed, count), s.Computed, s.Table.Blocks.ToArray(), s.Computed + count == s.Tokens.Count));
        var batch = ForwardBatch.Build(slices, BlockSize, _model.GroupSize, _model.Device);
        List<Sequence>? exporting = null; // sequences whose prompt completes in this step and streams its KV out
        foreach (var (s, count) in plan)
            if (s.Export is not null && s.Computed + count == s.Tokens.Count) (exporting ??= new()).Add(s);
        var logits = _model.Forward(batch, _cache, exporting is null ? null : layer => ExportLayerGroup(exporting, layer));

        foreach (var (s, count) in plan)
        {
            if (s.Computed < s.PromptLength) _computedPromptTokens += Math.Min(count, s.PromptLength - s.Computed);
            s.Computed += count;
            _pool.Seal(s.Table, s.Tokens, s.Computed);
        }
        _steps++;

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

    /// <summary>After <paramref name="layer"/> is written: if it closes a layer group, export that group by reference for each exporting sequence.</summary>
    private void ExportLayerGroup(List<Sequence> exporting, int layer)
    {
        bool synchronized = false;
        foreach (var s in exporting)
        {
            int size = s.Export!.LayerGroupSize;
            bool closes = (layer + 1) % size == 0 || layer == _cache.Layers - 1;
            if (!closes) continue;
            // A peer reads a CUDA pool with its own copies: the kernels that wrote this group must have finished.
            if (!synchronized && !_cache.Pool.OnHost) { torch.cuda.synchronize(_cache.Device); synchronized = true; }
            int start = layer / size * size;
            int tokens = s.Tokens.Count; // this step completes the prompt: every token has KV once the layer is written
            var blocks = s.Table.Blocks.Take(_pool.BlocksFor(tokens)).ToArray();
            var descriptor = new KvPageDescriptor(tokens, BlockSize, start, layer - start + 1, _cache.Layers, _cache.KvHeads, _cache.HeadDim,
                                                  KvPageDescriptor.NameOf(_cache.DType));
            var pin = _pool.Pin(blocks);
            s.Export.OnBlocks(new KvBlockExport(descriptor, blocks, _cache.Pool, () => ReleaseFromAnyThread(pin)));
        }
    }

    private void Accept(Sequence s, SampledToken sampled)
    {
        if (s.CancelRequested || s.State != SequenceState.Running) return;
        int id = sampled.TokenId;
        s.Tokens.Add(id);
        s.Generated++;
        _generatedTokens++;
        FinishReason? finish = null;
        if (s.Parameters.StopTokenIds.Contains(id) || (!s.Parameters.IgnoreEos && _eosTokenIds.Contains(id))) finish = FinishReason.Stop;
        else if (s.Generated >= s.Parameters.MaxTokens || s.Tokens.Count >= MaxModelLen) finish = FinishReason.Length;
        s.Output.Writer.TryWrite(new GeneratedToken(id, sampled.Logprob, sampled.TopLogprobs, finish));
        if (finish is { } reason) End(s, reason);
        else if (s.Export is not null) End(s, null); // handed off: the exports' pins keep its blocks until the consumer has them
    }

    /// <param name="reason">Null: the sequence was handed to another engine after its first token.</param>
    private void End(Sequence s, FinishReason? reason, Exception? error = null)
    {
        if (s.State == SequenceState.Finished) return;
        _scheduler.Remove(s);
        _live.Remove(s.Id);
        _pool.Release(s.Table);
        if (s.Preemptions > 0) _preemptions += s.Preemptions;
        _cachedPromptTokens += s.CachedPromptTokens;
        s.State = SequenceState.Finished;
        s.Output.Writer.TryComplete(error is null ? null : new InvalidOperationException($"sequence {s.Id} failed in the engine: {error.Message}", error));
        s.Completion.TrySetResult(reason);
    }

    private void PublishCacheEvents()
    {
        var events = _pool.TakeEvents();
        if (events.Count > 0) _events.Append(events);
    }

    /// <summary>Publishes fresh stats, then stops counting as submitted what they now show as queued.</summary>
    private void TakeSnapshot()
    {
        _stats = Snapshot();
        Interlocked.Add(ref _submittedTokens, -_takenTokens);
        Interlocked.Add(ref _submitted, -_taken);
        _taken = 0;
        _takenTokens = 0;
    }

    private EngineStats Snapshot()
    {
        // Tokens still to compute beyond a decode's one: queued prompts, unfinished prefill chunks, preempted sequences.
        long pendingPrefill = 0;
        foreach (var s in _scheduler.All)
            if (s.Remaining > 1) pendingPrefill += s.Remaining;
        return new(
            _scheduler.RunningCount, _scheduler.WaitingCount,
            _pool.TotalBlocks, _pool.UsedBlocks, _pool.FreeBlocks, _pool.CachedBlocks,
            _steps, _promptTokens, _computedPromptTokens, _cachedPromptTokens, _generatedTokens, _preemptions, pendingPrefill);
    }

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        _wake.Release();
        _thread.Join();
        _cache.Dispose();
        _model.Dispose();
        _wake.Dispose();
    }
}
