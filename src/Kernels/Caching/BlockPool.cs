namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>
/// Owns the KV blocks: reference counts, the free list and the prefix cache. A freed block keeps its contents and
/// hash at the tail of the free list, so a later request with the same prefix can take it back; allocation takes
/// from the head, evicting the least recently freed cached block first. With <see cref="RecordEvents"/> on, every block
/// that enters or leaves the prefix cache is noted as a <see cref="KvBlockEvent"/> until <see cref="TakeEvents"/>, which
/// is how routers elsewhere learn what this cache holds. Single-threaded: the engine's thread only.
/// </summary>
public sealed class BlockPool
{
    private readonly int[] _refCounts;
    private readonly ulong?[] _hashes;
    private readonly ulong[] _parents;
    private readonly List<KvBlockEvent> _events = new();
    private readonly LinkedList<int> _free = new();
    private readonly LinkedListNode<int>?[] _freeNodes;
    private readonly Dictionary<ulong, int> _cachedBlocks = new();

    public BlockPool(int blocks, int blockSize)
    {
        if (blocks <= 0) throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "a block pool needs at least one block");
        if (blockSize <= 0) throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "block size must be positive");
        TotalBlocks = blocks;
        BlockSize = blockSize;
        _refCounts = new int[blocks];
        _hashes = new ulong?[blocks];
        _parents = new ulong[blocks];
        _freeNodes = new LinkedListNode<int>?[blocks];
        for (int b = 0; b < blocks; b++) _freeNodes[b] = _free.AddLast(b);
    }

    public int TotalBlocks { get; }
    public int BlockSize { get; }
    /// <summary>Blocks no sequence references (some still hold reusable prefixes).</summary>
    public int FreeBlocks => _free.Count;
    public int UsedBlocks => TotalBlocks - _free.Count;
    /// <summary>Blocks registered in the prefix cache, referenced or not.</summary>
    public int CachedBlocks => _cachedBlocks.Count;

    /// <summary>Note prefix-cache changes for <see cref="TakeEvents"/> (off: nobody reads them, so none pile up).</summary>
    public bool RecordEvents { get; set; }

    /// <summary>The prefix-cache changes since the last call, in the order they happened.</summary>
    public List<KvBlockEvent> TakeEvents()
    {
        var taken = new List<KvBlockEvent>(_events);
        _events.Clear();
        return taken;
    }

    /// <summary>Every block in the prefix cache now, referenced or not, as "stored" events (parents before children).</summary>
    public List<KvBlockEvent> CachedBlockEvents()
    {
        var blocks = new List<KvBlockEvent>(_cachedBlocks.Count);
        foreach (var (hash, block) in _cachedBlocks) blocks.Add(KvBlockEvent.Stored(_parents[block], hash, BlockSize));
        return blocks;
    }

    public int BlocksFor(int tokens) => (tokens + BlockSize - 1) / BlockSize;

    /// <summary>
    /// Takes the longest cached prefix of <paramref name="tokens"/> into an empty table and returns how many tokens it
    /// covers. At least one token is always left uncomputed so the step that follows produces logits.
    /// </summary>
    public int AcquirePrefix(BlockTable table, IReadOnlyList<int> tokens)
    {
        if (table.Blocks.Count != 0) throw new InvalidOperationException("a prefix can only be acquired into an empty block table");
        var chain = BlockHash.Chain(tokens, tokens.Count - 1, BlockSize);
        foreach (var hash in chain)
        {
            if (!_cachedBlocks.TryGetValue(hash, out var block)) break;
            Retain(block);
            table.Blocks.Add(block);
            table.Hashes.Add(hash);
        }
        return table.Blocks.Count * BlockSize;
    }

    /// <summary>Grows the table to hold <paramref name="tokens"/> positions; false (and no change) if there are not enough free blocks.</summary>
    public bool TryGrow(BlockTable table, int tokens)
    {
        int needed = BlocksFor(tokens) - table.Blocks.Count;
        if (needed <= 0) return true;
        if (needed > _free.Count) return false;
        for (int i = 0; i < needed; i++)
        {
            int block = _free.First!.Value;
            _free.RemoveFirst();
            _freeNodes[block] = null;
            if (_hashes[block] is { } old)
            {
                // Reusing a cached block evicts its prefix from the cache.
                if (_cachedBlocks.TryGetValue(old, out var owner) && owner == block)
                {
                    _cachedBlocks.Remove(old);
                    if (RecordEvents) _events.Add(KvBlockEvent.Removed(old));
                }
                _hashes[block] = null;
            }
            _refCounts[block] = 1;
            table.Blocks.Add(block);
        }
        return true;
    }

    /// <summary>Registers the blocks that became full (their first <paramref name="computed"/> tokens have KV) for prefix reuse.</summary>
    public void Seal(BlockTable table, IReadOnlyList<int> tokens, int computed)
    {
        int full = Math.Min(computed / BlockSize, table.Blocks.Count);
        ulong parent = table.Hashes.Count == 0 ? BlockHash.Root : table.Hashes[^1];
        for (int b = table.Hashes.Count; b < full; b++)
        {
            ulong hash = BlockHash.Of(parent, tokens, b * BlockSize, BlockSize);
            table.Hashes.Add(hash);
            int block = table.Blocks[b];
            if (_hashes[block] is null && _cachedBlocks.TryAdd(hash, block))
            {
                _hashes[block] = hash;
                _parents[block] = parent;
                if (RecordEvents) _events.Add(KvBlockEvent.Stored(parent, hash, BlockSize));
            }
            parent = hash;
        }
    }

    /// <summary>Drops the table's references; blocks nobody else uses return to the free list (keeping cached contents).</summary>
    public void Release(BlockTable table)
    {
        // Free in reverse so a sequence's tail blocks are evicted before its (more shareable) head blocks.
        for (int i = table.Blocks.Count - 1; i >= 0; i--)
        {
            int block = table.Blocks[i];
            if (_refCounts[block] <= 0) throw new InvalidOperationException($"block {block} released more often than it was taken");
            if (--_refCounts[block] == 0)
            {
                if (_hashes[block] is null) _freeNodes[block] = _free.AddFirst(block); // nothing to keep: reuse it first
                else _freeNodes[block] = _free.AddLast(block);
            }
        }
        table.Blocks.Clear();
        table.Hashes.Clear();
    }

    public int RefCount(int block) => _refCounts[block];

    /// <summary>
    /// Takes one more reference on blocks a sequence holds, so they outlive it (a handoff's pages pinned until the
    /// consumer has copied them); <see cref="Release"/> the returned table to drop it.
    /// </summary>
    public BlockTable Pin(IReadOnlyList<int> blocks)
    {
        foreach (var block in blocks)
            if (_refCounts[block] <= 0) throw new InvalidOperationException($"block {block} is free: only blocks in use can be pinned");
        var table = new BlockTable();
        foreach (var block in blocks)
        {
            _refCounts[block]++;
            table.Blocks.Add(block);
        }
        return table;
    }

    private void Retain(int block)
    {
        if (_refCounts[block]++ == 0)
        {
            _free.Remove(_freeNodes[block]!);
            _freeNodes[block] = null;
        }
    }
}
