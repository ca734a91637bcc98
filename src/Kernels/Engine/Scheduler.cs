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
    private readonly BlockPool pool;
    private readonly int maxNumSeqs;
    private readonly int maxBatchedTokens;
    private readonly bool prefixCaching;
    private readonly LinkedList<Sequence> waiting = new();
    private readonly List<Sequence> running = new();

    public Scheduler(BlockPool pool, int maxNumSeqs, int maxBatchedTokens, bool prefixCaching)
    {
        this.pool = pool;
        this.maxNumSeqs = maxNumSeqs;
        this.maxBatchedTokens = maxBatchedTokens;
        this.prefixCaching = prefixCaching;
    }

    public int WaitingCount => waiting.Count;
    public int RunningCount => running.Count;
    public IEnumerable<Sequence> All => running.Concat(waiting);

    public void Enqueue(Sequence sequence)
    {
        sequence.State = SequenceState.Waiting;
        waiting.AddLast(sequence);
    }

    /// <summary>A sequence whose KV is already in its block table (an import) joins the running set directly.</summary>
    public void AdmitRunning(Sequence sequence)
    {
        sequence.State = SequenceState.Running;
        running.Add(sequence);
    }

    /// <summary>Takes a sequence out of the queues; its blocks are the caller's to release.</summary>
    public void Remove(Sequence sequence)
    {
        if (!running.Remove(sequence)) waiting.Remove(sequence);
    }

    /// <summary>Sequences that can never fit this cache (more blocks than it has); the engine finishes them.</summary>
    public List<Sequence> Unschedulable { get; } = new();

    public List<ScheduledChunk> Schedule()
    {
        var plan = new List<ScheduledChunk>();
        int budget = maxBatchedTokens;
        bool preempted = false;

        // Decodes first, then prefill chunks of running sequences.
        foreach (var sequence in running.OrderBy(s => s.Remaining == 1 ? 0 : 1).ToList())
        {
            if (sequence.State != SequenceState.Running) continue; // preempted earlier in this loop
            int count = Math.Min(sequence.Remaining, budget);
            if (count == 0) continue;
            while (!pool.TryGrow(sequence.Table, sequence.Computed + count))
            {
                var victim = running[^1];
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
        while (!preempted && budget > 0 && running.Count < maxNumSeqs && waiting.First is { } node)
        {
            var sequence = node.Value;
            if (pool.BlocksFor(sequence.Tokens.Count + 1) > pool.TotalBlocks)
            {
                waiting.RemoveFirst();
                Unschedulable.Add(sequence);
                continue;
            }
            if (sequence.Table.Blocks.Count == 0)
            {
                sequence.Computed = prefixCaching ? pool.AcquirePrefix(sequence.Table, sequence.Tokens) : 0;
                if (sequence.Preemptions == 0) sequence.CachedPromptTokens = Math.Min(sequence.Computed, sequence.PromptLength);
            }
            int room = (sequence.Table.Blocks.Count + pool.FreeBlocks) * pool.BlockSize - sequence.Computed;
            int count = Math.Min(Math.Min(sequence.Remaining, budget), room);
            if (count <= 0 || !pool.TryGrow(sequence.Table, sequence.Computed + count))
            {
                // Not now: give back the prefix blocks it took, so they stay evictable while it waits.
                pool.Release(sequence.Table);
                sequence.Computed = 0;
                break;
            }
            waiting.RemoveFirst();
            sequence.State = SequenceState.Running;
            running.Add(sequence);
            plan.Add(new ScheduledChunk(sequence, count));
            budget -= count;
        }
        return plan;
    }

    private void Preempt(Sequence victim)
    {
        pool.Release(victim.Table);
        victim.Computed = 0;
        victim.Preemptions++;
        victim.State = SequenceState.Waiting;
        running.Remove(victim);
        waiting.AddFirst(victim);
    }
}
