using System.Text.Json;

namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// A Hugging Face tokenizer.json with a BPE model: byte-level files (GPT-2, Llama 3, Qwen2) and SentencePiece-derived
/// files with byte_fallback (Llama 2, Mistral). The pipeline is normalizer → pre_tokenizer → BPE, and decoder back.
/// </summary>
internal sealed class TokenizerJsonModel : ISubwordModel
{
    private readonly string?[] _idToToken;
    private readonly Dictionary<string, int> _vocab;
    private readonly TextNormalizer? _normalizer;
    private readonly WordSplitter? _splitter;
    private readonly BytePairEncoder _encoder;
    private readonly TokenDecoder? _decoder;

    private TokenizerJsonModel(
        Dictionary<string, int> vocab,
        TextNormalizer? normalizer,
        WordSplitter? splitter,
        BytePairEncoder encoder,
        TokenDecoder? decoder,
        IReadOnlyList<AddedToken> addedTokens,
        (IReadOnlyList<int>, IReadOnlyList<int>)? template)
    {
        _vocab = vocab;
        _normalizer = normalizer;
        _splitter = splitter;
        _encoder = encoder;
        _decoder = decoder;
        AddedTokens = addedTokens;
        SpecialTokenTemplate = template;
        Count = vocab.Count == 0 ? 0 : vocab.Values.Max() + 1;
        _idToToken = new string?[Count];
        foreach (var (token, id) in vocab)
            _idToToken[id] = token;
    }

    public int Count { get; }
    public IReadOnlyList<AddedToken> AddedTokens { get; }
    public (IReadOnlyList<int> Prefix, IReadOnlyList<int> Suffix)? SpecialTokenTemplate { get; }

    public int? TokenToId(string token) => _vocab.TryGetValue(token, out var id) ? id : null;

    public string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    public void Encode(string segment, bool segmentAtStart, List<int> ids)
    {
        var normalized = _normalizer?.Normalize(segment) ?? segment;
        if (normalized.Length == 0)
            return;
        List<string> words = [normalized];
        if (_splitter is not null)
            words = _splitter.Split(words, segmentAtStart);
        foreach (var word in words)
            _encoder.Encode(word, ids);
    }

    public string Decode(List<string> tokens) =>
        // Without a decoder the Rust crate joins tokens with spaces; keep that so ids decode the same way.
        _decoder is null ? string.Join(' ', tokens) : _decoder.Decode(tokens);

    public static TokenizerJsonModel Load(string file)
    {
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(file);
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new TokenizerException(file, $"not valid JSON ({e.Message}).", e);
        }
        catch (IOException e)
        {
            throw new TokenizerException(file, $"cannot be read ({e.Message}).", e);
        }

        using (document)
        {
            try
            {
                return Build(document.RootElement, file);
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // A required field is missing or has the wrong JSON type.
                throw new TokenizerException(file, $"not a Hugging Face tokenizer.json this loader understands ({e.Message}).", e);
            }
        }
    }

    private static TokenizerJsonModel Build(JsonElement root, string file)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out var model))
            throw new TokenizerException(file, "has no \"model\" section.");
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (type != "BPE")
            throw new TokenizerException(file, $"model type '{type}' is not supported (only BPE).");
        if (model.TryGetProperty("dropout", out var dropout) && dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() > 0)
            throw new TokenizerException(file, "BPE dropout is a training-time option and is not supported.");
        foreach (var affix in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
            if (model.TryGetProperty(affix, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 0)
                throw new TokenizerException(file, $"BPE {affix} is not supported.");

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
            vocab[entry.Name] = entry.Value.GetInt32();

        var merges = BytePairEncoder.RankMerges(ReadMerges(model.GetProperty("merges"), file), vocab, file);
        int? unknownId = null;
        if (model.TryGetProperty("unk_token", out var unk) && unk.ValueKind == JsonValueKind.String)
            unknownId = vocab.TryGetValue(unk.GetString()!, out var id) ? id
                : throw new TokenizerException(file, $"unk_token '{unk.GetString()}' is not in model.vocab.");
        var encoder = new BytePairEncoder(vocab, merges, unknownId,
            fuseUnknown: Flag(model, "fuse_unk"), byteFallback: Flag(model, "byte_fallback"), ignoreMerges: Flag(model, "ignore_merges"));

        var addedTokens = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array)
            foreach (var token in added.EnumerateArray())
                addedTokens.Add(new AddedToken(token.GetProperty("id").GetInt32(), token.GetProperty("content").GetString()!,
                    Flag(token, "special"), Flag(token, "lstrip"), Flag(token, "rstrip")));

        return new TokenizerJsonModel(
            vocab,
            TextNormalizer.FromJson(Section(root, "normalizer"), file),
            WordSplitter.FromJson(Section(root, "pre_tokenizer"), file),
            encoder,
            TokenDecoder.FromJson(Section(root, "decoder"), file),
            addedTokens,
            ReadTemplate(Section(root, "post_processor"), file));
    }

    private static JsonElement Section(JsonElement root, string name) =>
        root.TryGetProperty(name, out var section) ? section : default;

    private static bool Flag(JsonElement json, string name) =>
        json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static IEnumerable<(string, string)> ReadMerges(JsonElement merges, string file)
    {
        foreach (var merge in merges.EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
            {
                yield return (merge[0].GetString()!, merge[1].GetString()!);
                continue;
            }
            var text = merge.ValueKind == JsonValueKind.String ? merge.GetString()! : "";
            var space = text.IndexOf(' ', 1);
            if (space < 0 || text.IndexOf(' ', space + 1) >= 0)
                throw new TokenizerException(file, $"merge {merge.GetRawText()} is neither \"a b\" nor [\"a\", \"b\"].");
            yield return (text[..space], text[(space + 1)..]);
        }
    }

    /// <summary>
    /// The special ids a post_processor wraps a single sequence in: TemplateProcessing's "single" template
    /// (Llama 2's "&lt;s&gt; $A", Llama 3.1's "&lt;|begin_of_text|&gt; $A"); ByteLevel adds none; null when there is no post_processor.
    /// </summary>
    private static (IReadOnlyList<int>, IReadOnlyList<int>)? ReadTemplate(JsonElement json, string file)
    {
        if (json.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            return null;
        var type = json.GetProperty("type").GetString();
        switch (type)
        {
            case "ByteLevel":
                return ([], []);
            case "Sequence":
                var prefix = new List<int>();
                var suffix = new List<int>();
                foreach (var step in json.GetProperty("processors").EnumerateArray())
                    if (ReadTemplate(step, file) is var (p, s))
                    {
                        prefix.AddRange(p);
                        suffix.InsertRange(0, s);
                    }
                return (prefix, suffix);
            case "TemplateProcessing":
                var specials = json.GetProperty("special_tokens");
                var before = new List<int>();
                var after = new List<int>();
                var seenSequence = false;
                foreach (var item in json.GetProperty("single").EnumerateArray())
                {
                    if (item.TryGetProperty("Sequence", out _))
                    {
                        seenSequence = true;
                        continue;
                    }
                    var name = item.GetProperty("SpecialToken").GetProperty("id").GetString()!;
                    if (!specials.TryGetProperty(name, out var special))
                        throw new TokenizerException(file, $"post_processor template names '{name}', which its special_tokens lacks.");
                    (seenSequence ? after : before).AddRange(special.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()));
                }
                return (before, after);
            default:
                throw new TokenizerException(file, $"post_processor type '{type}' is not supported.");
        }
    }
}
