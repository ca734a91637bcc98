using Dynamo.Orleans.Grains.Diagnostics;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>
/// This silo's picture of every worker's prefix cache: block hash → the workers holding it, built from their event
/// batches (<see cref="Apply"/>) and dumps (<see cref="Load"/>). <see cref="Match"/> walks a prompt's chained hashes and
/// gives each worker's overlap in leading blocks. The picture may lag or miss events; that only costs a cache miss,
/// since workers compute whatever they do not actually hold. Memory is bounded: a worker is never credited with more
/// blocks than its pool has, so the index holds at most the sum of the workers' pools (73 bytes a block measured:
/// bench/results/routing-index.md).
/// </summary>
public sealed class KvIndex
{
    private sealed class IndexedWorker(string key, int slot, KvCacheDump dump)
    {
        public string Key { get; } = key;
        public int Slot { get; } = slot;
        public int BlockSize { get; } = dump.BlockSize;
        public int Capacity { get; } = dump.TotalBlocks;
        public long LastEventId { get; set; } = dump.LastEventId;
        public HashSet<ulong> Blocks { get; } = new();
    }

    private readonly object _gate = new();
    // Holders are tiny arrays of worker slots, replaced on change; the one-worker arrays are shared per slot, so a
    // block held by a single worker (the usual case) costs only its dictionary entries.
    private readonly Dictionary<ulong, int[]> _holders = new();
    private readonly Dictionary<string, IndexedWorker> _workers = new();
    private readonly List<IndexedWorker?> _slots = new();
    private readonly List<int[]> _single = new();
    private long _blocks;

    /// <summary>(worker, block) pairs indexed: what the index's memory grows with.</summary>
    public long BlockCount
    {
        get { lock (_gate) return _blocks; }
    }

    public IReadOnlyCollection<string> Workers
    {
        get { lock (_gate) return _workers.Keys.ToList(); }
    }

    /// <summary>The id of the last batch applied for <paramref name="worker"/>, or null when it is not indexed.</summary>
    public long? LastEventId(string worker)
    {
        lock (_gate) return _workers.TryGetValue(worker, out var w) ? w.LastEventId : null;
    }

    /// <summary>Replaces whatever was known of <paramref name="worker"/> with its dump.</summary>
    public void Load(string worker, KvCacheDump dump)
    {
        lock (_gate)
        {
            RemoveLocked(worker);
            int slot = _slots.IndexOf(null);
            if (slot < 0)
            {
                slot = _slots.Count;
                _slots.Add(null);
                _single.Add([slot]);
            }
            var indexed = new IndexedWorker(worker, slot, dump);
            _slots[slot] = indexed;
            _workers[worker] = indexed;
            foreach (var block in dump.Blocks)
                if (block.Kind == KvCacheEventKind.Stored) StoreLocked(indexed, block.Hash);
        }
    }

    /// <summary>
    /// Applies one batch. False — and nothing applied — when the worker is not indexed or the batch is not the one after
    /// the last applied (events were lost): the caller must load a fresh dump.
    /// </summary>
    public bool Apply(string worker, KvCacheEventBatch batch)
    {
        lock (_gate)
        {
            if (!_workers.TryGetValue(worker, out var indexed) || batch.EventId != indexed.LastEventId + 1) return false;
            foreach (var e in batch.Events)
            {
                if (e.Kind == KvCacheEventKind.Stored) StoreLocked(indexed, e.Hash);
                else RemoveBlockLocked(indexed, e.Hash);
            }
            indexed.LastEventId = batch.EventId;
        }
        FabricMetrics.KvEventsApplied.Add(batch.Events.Length);
        return true;
    }

    /// <summary>Drops every block of a worker (it left the cluster, or its events will be reloaded).</summary>
    public void Remove(string worker)
    {
        lock (_gate) RemoveLocked(worker);
    }

    /// <summary>
    /// For each indexed worker whose block size is <paramref name="blockSize"/>, how many leading blocks of
    /// <paramref name="tokens"/> it holds. Only blocks the engine would reuse count: never the one holding the last token,
    /// which the engine always computes to get logits.
    /// </summary>
    public Dictionary<string, int> Match(IReadOnlyList<int> tokens, int blockSize)
    {
        var overlaps = new Dictionary<string, int>();
        if (tokens.Count < 2 || blockSize <= 0) return overlaps;
        var chain = BlockHash.Chain(tokens, tokens.Count - 1, blockSize);
        lock (_gate)
        {
            // Workers still matching after block i; a worker that misses block i has overlap i.
            List<IndexedWorker>? matching = null;
            int depth = 0;
            for (; depth < chain.Count; depth++)
            {
                if (!_holders.TryGetValue(chain[depth], out var slots)) break;
                if (matching is null)
                {
                    matching = new List<IndexedWorker>(slots.Length);
                    foreach (var slot in slots)
                        if (_slots[slot] is { } w && w.BlockSize == blockSize) matching.Add(w);
                }
                else
                {
                    for (int i = matching.Count - 1; i >= 0; i--)
                    {
                        if (Array.IndexOf(slots, matching[i].Slot) >= 0) continue;
                        overlaps[matching[i].Key] = depth;
                        matching.RemoveAt(i);
                    }
                }
                if (matching.Count == 0) break;
            }
            if (matching is not null)
                foreach (var w in matching) overlaps[w.Key] = depth;
        }
        return overlaps;
    }

    private void StoreLocked(IndexedWorker worker, ulong hash)
    {
        // More cached blocks than the worker has is impossible: a lost "removed" event. Ignoring the store only costs a miss.
        if (worker.Blocks.Count >= worker.Capacity || !worker.Blocks.Add(hash)) return;
        if (!_holders.TryGetValue(hash, out var slots)) _holders[hash] = _single[worker.Slot];
        else
        {
            var grown = new int[slots.Length + 1];
            slots.CopyTo(grown, 0);
            grown[^1] = worker.Slot;
            _holders[hash] = grown;
        }
        _blocks++;
        FabricMetrics.KvIndexBlocks.Add(1);
    }

    private void RemoveBlockLocked(IndexedWorker worker, ulong hash)
    {
        if (!worker.Blocks.Remove(hash)) return;
        var slots = _holders[hash];
        if (slots.Length == 1) _holders.Remove(hash);
        else
        {
            var shrunk = slots.Where(s => s != worker.Slot).ToArray();
            _holders[hash] = shrunk.Length == 1 ? _single[shrunk[0]] : shrunk;
        }
        _blocks--;
        FabricMetrics.KvIndexBlocks.Add(-1);
    }

    private void RemoveLocked(string worker)
    {
        if (!_workers.Remove(worker, out var indexed)) return;
        foreach (var hash in indexed.Blocks.ToList()) RemoveBlockLocked(indexed, hash);
        _slots[indexed.Slot] = null;
    }
}
