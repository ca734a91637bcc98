using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// The <c>pre_tokenizer</c> of a tokenizer.json: cuts normalized text into the words BPE runs on, and for byte-level
/// vocabularies rewrites each word in the GPT-2 byte alphabet. Each step maps every piece so far to its sub-pieces,
/// as the Rust crate does, so a step's options (a prefix space, "first" prepending) apply per piece.
/// </summary>
internal abstract class WordSplitter
{
    // GPT-2's pattern, used by a ByteLevel pre-tokenizer with use_regex (GPT-2 itself, older byte-level files).
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <param name="pieces">The pieces so far; the first one starts the text segment.</param>
    /// <param name="segmentAtStart">Whether the segment starts the whole text (not after an added token).</param>
    public abstract List<string> Split(List<string> pieces, bool segmentAtStart);

    public static WordSplitter? FromJson(JsonElement json, string file)
    {
        if (json.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            return null;
        var type = json.GetProperty("type").GetString();
        switch (type)
        {
            case "Sequence":
                return new SequenceSplitter(json.GetProperty("pretokenizers").EnumerateArray()
                    .Select(p => FromJson(p, file)).OfType<WordSplitter>().ToArray());
            case "Split":
                var behavior = json.GetProperty("behavior").GetString();
                if (behavior is not ("Isolated" or "Removed"))
                    throw new TokenizerException(file, $"Split pre-tokenizer behavior '{behavior}' is not supported (only Isolated and Removed).");
                if (json.TryGetProperty("invert", out var invert) && invert.GetBoolean())
                    throw new TokenizerException(file, "Split pre-tokenizer with invert=true is not supported.");
                return new RegexSplitter(TextPattern.FromJson(json.GetProperty("pattern"), file), dropMatches: behavior == "Removed");
            case "ByteLevel":
                return new ByteLevelSplitter(
                    Flag(json, "add_prefix_space", false),
                    Flag(json, "use_regex", true) ? new Regex(Gpt2Pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled) : null);
            case "Metaspace":
                var replacement = json.TryGetProperty("replacement", out var r) ? r.GetString()! : "\u2581";
                // Older files say add_prefix_space, newer ones prepend_scheme ("always", "first", "never").
                var scheme = json.TryGetProperty("prepend_scheme", out var s) ? s.GetString()!
                    : Flag(json, "add_prefix_space", true) ? "always" : "never";
                return new MetaspaceSplitter(replacement, scheme, Flag(json, "split", true));
            default:
                throw new TokenizerException(file, $"pre_tokenizer type '{type}' is not supported.");
        }
    }

    private static bool Flag(JsonElement json, string name, bool fallback) =>
        json.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : fallback;

    private static IEnumerable<string> SplitIsolated(Regex regex, string text, bool dropMatches)
    {
        var folding = SurrogateFolding.Fold(text);
        var searched = folding?.Folded ?? text;
        var position = 0;
        for (var match = regex.Match(searched); match.Success; match = match.NextMatch())
        {
            if (match.Length == 0)
                continue;
            var start = folding is { } f ? f.OriginalIndex[match.Index] : match.Index;
            var end = folding is { } g ? g.OriginalIndex[match.Index + match.Length] : match.Index + match.Length;
            if (start > position)
                yield return text[position..start];
            if (!dropMatches)
                yield return text[start..end];
            position = end;
        }
        if (position < text.Length)
            yield return text[position..];
    }

    private sealed class SequenceSplitter(WordSplitter[] steps) : WordSplitter
    {
        public override List<string> Split(List<string> pieces, bool segmentAtStart) =>
            steps.Aggregate(pieces, (current, step) => step.Split(current, segmentAtStart));
    }

    private sealed class RegexSplitter(Regex regex, bool dropMatches) : WordSplitter
    {
        public override List<string> Split(List<string> pieces, bool segmentAtStart) =>
            pieces.SelectMany(p => SplitIsolated(regex, p, dropMatches)).ToList();
    }

    private sealed class ByteLevelSplitter(bool addPrefixSpace, Regex? gpt2) : WordSplitter
    {
        public override List<string> Split(List<string> pieces, bool segmentAtStart)
        {
            var result = new List<string>(pieces.Count);
            foreach (var piece in pieces)
            {
                var text = addPrefixSpace && !piece.StartsWith(' ') ? " " + piece : piece;
                if (gpt2 is null)
                    result.Add(ByteLevelAlphabet.Encode(text));
                else
                    result.AddRange(SplitIsolated(gpt2, text, dropMatches: false).Select(ByteLevelAlphabet.Encode));
            }
            return result;
        }
    }

    private sealed class MetaspaceSplitter(string replacement, string prependScheme, bool split) : WordSplitter
    {
        public override List<string> Split(List<string> pieces, bool segmentAtStart)
        {
            var result = new List<string>(pieces.Count);
            for (var i = 0; i < pieces.Count; i++)
            {
                var text = pieces[i].Replace(" ", replacement);
                var prepend = prependScheme == "always" || (prependScheme == "first" && segmentAtStart && i == 0);
                if (prepend && !text.StartsWith(replacement, StringComparison.Ordinal))
                    text = replacement + text;
                if (!split || text.Length == 0)
                {
                    result.Add(text);
                    continue;
                }
                // Each word keeps the "▁" that precedes it, like SentencePiece's pieces.
                var start = 0;
                for (var at = text.IndexOf(replacement, 1, StringComparison.Ordinal); at > 0; at = text.IndexOf(replacement, at + 1, StringComparison.Ordinal))
                {
                    result.Add(text[start..at]);
                    start = at;
                }
                if (start < text.Length)
                    result.Add(text[start..]);
            }
            return result;
        }
    }
}
