using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>
/// Writes byte-level BPE tokenizer.json files in Hugging Face's format, in the shapes other generators produce:
/// a plain ByteLevel pre-tokenizer or Sequence[Split(regex), ByteLevel], merges as "a b" strings or [a, b] pairs.
/// Written independently of the code under test (its own GPT-2 byte map), so it can check the loader.
/// </summary>
internal static class ByteLevelTokenizerJson
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static readonly char[] ByteToChar = Enumerable.Range(0, 256).Select(ByteChar).ToArray();

    private static char ByteChar(int b)
    {
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range(0xA1, 12)).Concat(Enumerable.Range(0xAE, 82)).ToList();
        return printable.Contains(b) ? (char)b : (char)(256 + Enumerable.Range(0, b).Count(x => !printable.Contains(x)));
    }

    public static string Spell(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    public static void Write(
        string path,
        IReadOnlyDictionary<string, int> vocab,
        IEnumerable<(string Left, string Right)> merges,
        IEnumerable<(int Id, string Content, bool Special)> addedTokens,
        bool mergesAsPairs,
        bool splitThenByteLevel,
        JsonNode? postProcessor = null)
    {
        JsonNode ByteLevel(bool useRegex) => new JsonObject
        {
            ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = useRegex,
        };
        var preTokenizer = splitThenByteLevel
            ? new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = Gpt2Pattern },
                        ["behavior"] = "Isolated", ["invert"] = false,
                    },
                    ByteLevel(false)),
            }
            : ByteLevel(true);
        var vocabJson = new JsonObject();
        foreach (var (token, id) in vocab.OrderBy(p => p.Value))
            vocabJson[token] = id;
        var mergesJson = new JsonArray(merges
            .Select(m => mergesAsPairs ? (JsonNode)new JsonArray(m.Left, m.Right) : JsonValue.Create($"{m.Left} {m.Right}"))
            .ToArray());
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(addedTokens.Select(t => (JsonNode)new JsonObject
            {
                ["id"] = t.Id, ["content"] = t.Content, ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = t.Special,
            }).ToArray()),
            ["normalizer"] = null,
            ["pre_tokenizer"] = preTokenizer,
            ["post_processor"] = postProcessor ?? ByteLevel(true),
            ["decoder"] = ByteLevel(true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false,
                ["vocab"] = vocabJson, ["merges"] = mergesJson,
            },
        };
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }
}
