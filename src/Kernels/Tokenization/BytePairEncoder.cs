using System.Collections.Concurrent;
using System.Text;

namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// The BPE model of a Hugging Face tokenizer.json: splits one pre-tokenized word into symbols and applies merges by rank,
/// lowest rank first and leftmost among equals, exactly as the Rust <c>tokenizers</c> crate does (so ids match it).
/// </summary>
internal sealed class BytePairEncoder
{
    // Words longer than this are rarely repeated; caching them would only grow memory.
    private const int MaxCachedWordLength = 64;
    private const int MaxCacheEntries = 200_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> _merges;
    private readonly int? _unknownId;
    private readonly bool _fuseUnknown;
    private readonly int[]? _byteIds;
    private readonly bool _ignoreMerges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BytePairEncoder(
        Dictionary<string, int> vocab,
        Dictionary<(int Left, int Right), (int Rank, int Merged)> merges,
        int? unknownId,
        bool fuseUnknown,
        bool byteFallback,
        bool ignoreMerges)
    {
        _vocab = vocab;
        _merges = merges;
        _unknownId = unknownId;
        _fuseUnknown = fuseUnknown;
        _ignoreMerges = ignoreMerges;
        if (byteFallback)
        {
            // SentencePiece-style vocabularies name raw bytes "<0x0A>"; a character missing from the vocabulary is spelled in them.
            _byteIds = new int[256];
            for (var b = 0; b < 256; b++)
                _byteIds[b] = vocab.TryGetValue($"<0x{b:X2}>", out var id) ? id : -1;
        }
    }

    public void Encode(string word, List<int> output)
    {
        if (word.Length == 0)
            return;
        // ignore_merges (Llama 3): a word that is itself in the vocabulary is taken whole, even where merges would split it differently.
        if (_ignoreMerges && _vocab.TryGetValue(word, out var whole))
        {
            output.Add(whole);
            return;
        }
        if (word.Length <= MaxCachedWordLength && _cache.TryGetValue(word, out var cached))
        {
            output.AddRange(cached);
            return;
        }
        var ids = Merge(InitialSymbols(word));
        if (word.Length <= MaxCachedWordLength)
        {
            if (_cache.Count >= MaxCacheEntries)
                _cache.Clear();
            _cache.TryAdd(word, ids);
        }
        output.AddRange(ids);
    }

    private List<int> InitialSymbols(string word)
    {
        var symbols = new List<int>(word.Length);
        int? pendingUnknown = null;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in word.EnumerateRunes())
        {
            var text = rune.ToString();
            if (_vocab.TryGetValue(text, out var id))
            {
                if (pendingUnknown is { } unk)
                {
                    symbols.Add(unk);
                    pendingUnknown = null;
                }
                symbols.Add(id);
                continue;
            }
            if (_byteIds is not null)
            {
                var length = rune.EncodeToUtf8(utf8);
                var allKnown = true;
                for (var i = 0; i < length; i++)
                    allKnown &= _byteIds[utf8[i]] >= 0;
                if (allKnown)
                {
                    // Like the Rust crate, a pending unknown is not flushed here: it lands after the bytes.
                    for (var i = 0; i < length; i++)
                        symbols.Add(_byteIds[utf8[i]]);
                    continue;
                }
            }
            if (_unknownId is { } unknown)
            {
                if (pendingUnknown is not null && !_fuseUnknown)
                    symbols.Add(pendingUnknown.Value);
                pendingUnknown = unknown;
            }
            // Without an unknown token the character is dropped, as the Rust crate does.
        }
        if (pendingUnknown is { } last)
            symbols.Add(last);
        return symbols;
    }

    private int[] Merge(List<int> symbols)
    {
        var count = symbols.Count;
        if (count < 2)
            return symbols.ToArray();

        // A linked list over the initial positions; a merge keeps the left position and unlinks the right one.
        var ids = symbols.ToArray();
        var next = new int[count];
        var prev = new int[count];
        var alive = new bool[count];
        for (var i = 0; i < count; i++)
        {
            next[i] = i + 1 < count ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
        }

        var queue = new PriorityQueue<int, (int Rank, int Position)>();
        for (var i = 0; i + 1 < count; i++)
            if (_merges.TryGetValue((ids[i], ids[i + 1]), out var merge))
                queue.Enqueue(i, (merge.Rank, i));

        while (queue.TryDequeue(out var position, out var priority))
        {
            var right = next[position];
            if (!alive[position] || right < 0)
                continue;
            // Entries go stale when a neighbour merged first; every pair has its own rank, so an equal rank means the same pair.
            if (!_merges.TryGetValue((ids[position], ids[right]), out var merge) || merge.Rank != priority.Rank)
                continue;

            ids[position] = merge.Merged;
            alive[right] = false;
            next[position] = next[right];
            if (next[right] >= 0)
                prev[next[right]] = position;

            var left = prev[position];
            if (left >= 0 && _merges.TryGetValue((ids[left], ids[position]), out var leftMerge))
                queue.Enqueue(left, (leftMerge.Rank, left));
            if (next[position] >= 0 && _merges.TryGetValue((ids[position], ids[next[position]]), out var rightMerge))
                queue.Enqueue(position, (rightMerge.Rank, position));
        }

        var result = new List<int>(count);
        for (var i = 0; i >= 0; i = next[i])
            result.Add(ids[i]);
        return result.ToArray();
    }

    /// <summary>Reads merges written as "a b" strings (older files) or as [a, b] pairs (newer files) into ranked id pairs.</summary>
    public static Dictionary<(int Left, int Right), (int Rank, int Merged)> RankMerges(
        IEnumerable<(string Left, string Right)> merges, Dictionary<string, int> vocab, string file)
    {
        var ranked = new Dictionary<(int, int), (int, int)>();
        var rank = 0;
        var builder = new StringBuilder();
        foreach (var (left, right) in merges)
        {
            builder.Clear().Append(left).Append(right);
            if (!vocab.TryGetValue(left, out var leftId) || !vocab.TryGetValue(right, out var rightId)
                || !vocab.TryGetValue(builder.ToString(), out var mergedId))
                throw new TokenizerException(file, $"merge {rank} (\"{left}\", \"{right}\") uses a token missing from model.vocab.");
            // A repeated pair takes its last rank: the Rust crate collects the merges into a map, where the later entry wins.
            ranked[(leftId, rightId)] = (rank, mergedId);
            rank++;
        }
        return ranked;
    }
}
