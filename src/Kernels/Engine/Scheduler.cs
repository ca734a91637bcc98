using Dynamo.Orleans.Kernels.Caching;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>What one step computes for one sequence: its next <see cref="Count"/> tokens without KV.</summary>
internal readonly record struct ScheduledChunk(Sequence Sequence, int Count);

/// <summary>
/// The plain loop of continuous batching. Each step: running sequences first (decodes before prefill chunks, so a
/// long prompt never stalls token streams), then waiting ones while the token budget and the sequence limit allow.
/// When blocks run out, the most recently admitted sequence is preempted: its blocks are released and it returns to
/// the head of the queue to be recomputed later (the prefix cache usually gives most of it back).
/// </summary>
internal sealed class Scheduler
{
    private readonly BlockPool _pool;
    private readonly int _maxNumSeqs;
    private readonly int _maxBatchedTokens;
    private readonly bool _prefixCaching;
    private readonly LinkedList<Sequence> _waiting = new();
    private readonly List<Sequence> _running = new();

    public Scheduler(BlockPool pool, int maxNumSeqs, int maxBatchedTokens, bool prefixCaching)
    {
        _pool = pool;
        _maxNumSeqs = maxNumSeqs;
        _maxBatchedTokens = maxBatchedTokens;
        _prefixCaching = prefixCaching;
    }

    public int WaitingCount => _waiting.Count;
    public int RunningCount => _running.Count;
    public IEnumerable<Sequence> All => _running.Concat(_waiting);

    public void Enqueue(Sequence sequence)
    {
        sequence.State = SequenceState.Waiting;
        _waiting.AddLast(sequence);
    }

    /// <summary>A sequence whose KV is already in its block table (an import) joins the running set directly.</summary>
    public void AdmitRunning(Sequence sequence)
    {
        sequence.State = SequenceState.Running;
        _running.Add(sequence);
    }

    /// <summary>Takes a sequence out of the queues; its blocks are the caller's to release.</summary>
    public void Remove(Sequence sequence)
    {
        if (!_running.Remove(sequence)) _waiting.Remove(sequence);
    }

    /// <summary>Sequences that can never fit this cache (more blocks than it has); the engine finishes them.</summary>
    public List<Sequence> Unschedulable { get; } = new();

    public List<ScheduledChunk> Schedule()
    {
        var plan = new List<ScheduledChunk>();
        int budget = _maxBatchedTokens;
        bool preempted = false;

        // Decodes first, then prefill chunks of running sequences.
        foreach (var sequence in _running.OrderBy(s => s.Remaining == 1 ? 0 : 1).ToList())
        {
            if (sequence.State != SequenceState.Running) continue; // preempted earlier in this loop
            int count = Math.Min(sequence.Remaining, budget);
            if (count == 0) continue;
            while (!_pool.TryGrow(sequence.Table, sequence.Computed + count))
            {
                var victim = _running[^1];
                int index = plan.FindIndex(c => c.Sequence == victim);
                if (index >= 0) { budget += plan[index].Count; plan.RemoveAt(index); }
                Preempt(victim);
                preempted = true;
                if (victim == sequence) break;
            }
            if (sequence.State != SequenceState.Running) continue;
            plan.Add(new ScheduledChunk(sequence, count));
            budget -= count;
        }

        // Admit waiting sequences; not in a step that had to preempt (memory is tight: let running ones finish).
        while (!preempted && budget > 0 && _running.Count < _maxNumSeqs && _waiting.First is { } node)
        {
            var sequence = node.Value;
            if (_pool.BlocksFor(sequence.Tokens.Count + 1) > _pool.TotalBlocks)
            {
                _waiting.RemoveFirst();
                Unschedulable.Add(sequence);
                continue;
            }
            if (sequence.Table.Blocks.Count == 0)
            {
                sequence.Computed = _prefixCaching ? _pool.AcquirePrefix(sequence.Table, sequence.Tokens) : 0;
                if (sequence.Preemptions == 0) sequence.CachedPromptTokens = Math.Min(sequence.Computed, sequence.PromptLength);
            }
            int room = (sequence.Table.Blocks.Count + _pool.FreeBlocks) * _pool.BlockSize - sequence.Computed;
            int count = Math.Min(Math.Min(sequence.Remaining, budget), room);
            if (count <= 0 || !_pool.TryGrow(sequence.Table, sequence.Computed + count))
            {
                // Not now: give back the prefix blocks it took, so they stay evictable while it waits.
                _pool.Release(sequence.Table);
                sequence.Computed = 0;
                break;
            }
            _waiting.RemoveFirst();
            sequence.State = SequenceState.Running;
            _running.Add(sequence);
            plan.Add(new ScheduledChunk(sequence, count));
            budget -= count;
        }
        return plan;
    }

    private void Preempt(Sequence victim)
    {
        _pool.Release(victim.Table);
        victim.Computed = 0;
        victim.Preemptions++;
        victim.State = SequenceState.Waiting;
        _running.Remove(victim);
        _waiting.AddFirst(victim);
    }
}
