namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// The tokenizer of a Hugging Face model folder, giving the same ids as Hugging Face's: tokenizer.json when present,
/// otherwise a SentencePiece tokenizer.model. Added and special tokens written in text map to their ids. Thread-safe.
/// </summary>
public sealed class ModelTokenizer
{
    private readonly ISubwordModel _model;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly Dictionary<string, AddedToken> _addedByContent;
    private readonly AddedTokenMatcher _matcher;
    private readonly HashSet<int> _specialIds;
    private readonly int[] _prefix;
    private readonly int[] _suffix;

    private ModelTokenizer(ISubwordModel model, TokenizerSettings settings, string source)
    {
        _model = model;
        // tokenizer_config.json may repeat or extend the file's added tokens; the file's own definition wins for an id.
        _addedById = new Dictionary<int, AddedToken>();
        foreach (var token in model.AddedTokens.Concat(settings.AddedTokens))
            _addedById.TryAdd(token.Id, token);
        foreach (var content in settings.AdditionalSpecialTokens)
            if (_addedById.Values.FirstOrDefault(t => t.Content == content) is { Special: false } token)
                _addedById[token.Id] = token with { Special = true };
        _addedByContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var token in _addedById.Values.OrderBy(t => t.Id))
            _addedByContent.TryAdd(token.Content, token);
        _matcher = new AddedTokenMatcher(_addedByContent.Values);

        // Without tokenizer_config.json a SentencePiece model still knows its own <s> and </s>.
        BosToken = settings.BosToken ?? (model as SentencePieceModel)?.BeginningOfSentenceToken;
        EosToken = settings.EosToken ?? (model as SentencePieceModel)?.EndOfSentenceToken;
        BosTokenId = BosToken is null ? null : TokenToId(BosToken);
        var eosId = EosToken is null ? null : TokenToId(EosToken);
        if (BosToken is not null && BosTokenId is null)
            throw new TokenizerException(source, $"bos_token '{BosToken}' is not a token of this tokenizer.");
        if (EosToken is not null && eosId is null)
            throw new TokenizerException(source, $"eos_token '{EosToken}' is not a token of this tokenizer.");
        EosTokenIds = (eosId is { } id ? new[] { id } : []).Concat(settings.EosTokenIds).Distinct().ToArray();
        ChatTemplateText = settings.ChatTemplateText;
        VocabSize = Math.Max(model.Count, _addedById.Count == 0 ? 0 : _addedById.Keys.Max() + 1);

        _specialIds = _addedById.Values.Where(t => t.Special).Select(t => t.Id).ToHashSet();
        if (BosTokenId is { } bos)
            _specialIds.Add(bos);
        _specialIds.UnionWith(EosTokenIds);

        (_prefix, _suffix) = SpecialTokenPlacement(model, settings);
        AddBosToken = BosTokenId is { } b && _prefix.Contains(b);
    }

    public int VocabSize { get; }
    public int? BosTokenId { get; }
    public string? BosToken { get; }
    public string? EosToken { get; }
    /// <summary>Every id that ends generation: the tokenizer's eos_token, then config.json's and generation_config.json's.</summary>
    public IReadOnlyList<int> EosTokenIds { get; }
    /// <summary>The raw chat template source; compiling and rendering it is the chat layer's job.</summary>
    public string? ChatTemplateText { get; }
    /// <summary>Whether <see cref="Encode"/> with special tokens starts with <see cref="BosTokenId"/>.</summary>
    public bool AddBosToken { get; }

    public static ModelTokenizer Load(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory))
            throw new TokenizerException(modelDirectory, "model folder does not exist.");
        var json = Path.Combine(modelDirectory, "tokenizer.json");
        var sentencePiece = Path.Combine(modelDirectory, "tokenizer.model");
        ISubwordModel model;
        string source;
        if (File.Exists(json))
            (model, source) = (TokenizerJsonModel.Load(json), json);
        else if (File.Exists(sentencePiece))
            (model, source) = (SentencePieceModel.Load(sentencePiece), sentencePiece);
        else
            throw new TokenizerException(json, "missing, and there is no tokenizer.model beside it either: the model folder has no tokenizer.");
        return new ModelTokenizer(model, TokenizerSettings.Load(modelDirectory), source);
    }

    public IReadOnlyList<int> Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        if (addSpecialTokens)
            ids.AddRange(_prefix);
        var atStart = true;
        foreach (var (segment, token) in _matcher.Split(text))
        {
            if (token is not null)
                ids.Add(token.Id);
            else
                _model.Encode(segment, atStart, ids);
            atStart = false;
        }
        if (addSpecialTokens)
            ids.AddRange(_suffix);
        return ids;
    }

    public string Decode(IReadOnlyList<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>(ids.Count);
        foreach (var id in ids)
        {
            if (skipSpecialTokens && _specialIds.Contains(id))
                continue;
            // Ids outside the vocabulary decode to nothing, as in Hugging Face, rather than failing a whole response.
            if (IdToToken(id) is not { } token)
                continue;
            tokens.Add(token);
        }
        return _model.Decode(tokens);
    }

    public bool IsSpecial(int id) => _specialIds.Contains(id);

    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out var added) ? added.Id : _model.TokenToId(token);

    public string? IdToToken(int id) =>
        _addedById.TryGetValue(id, out var added) ? added.Content : _model.IdToToken(id);

    public IncrementalDetokenizer CreateDetokenizer(IReadOnlyList<int> promptIds, bool skipSpecialTokens = true) =>
        new(this, promptIds, skipSpecialTokens);

    /// <summary>
    /// The ids around an encoded sequence. tokenizer.json's post_processor decides; tokenizer_config.json's add_bos_token /
    /// add_eos_token, where written, override it, as transformers' Llama tokenizers rebuild the template from them.
    /// A tokenizer.model has no post_processor, so it takes SentencePiece's defaults: BOS, no EOS.
    /// </summary>
    private (int[] Prefix, int[] Suffix) SpecialTokenPlacement(ISubwordModel model, TokenizerSettings settings)
    {
        var template = model.SpecialTokenTemplate;
        var prefix = template?.Prefix.ToList() ?? [];
        var suffix = template?.Suffix.ToList() ?? [];
        var eosId = EosToken is null ? (int?)null : TokenToId(EosToken);
        var addBos = settings.AddBosToken ?? (template is null && model is SentencePieceModel ? true : null);
        var addEos = settings.AddEosToken ?? (template is null && model is SentencePieceModel ? false : null);
        if (addBos is { } wantBos && BosTokenId is { } bos)
        {
            prefix.RemoveAll(id => id == bos);
            if (wantBos)
                prefix.Insert(0, bos);
        }
        if (addEos is { } wantEos && eosId is { } eos)
        {
            suffix.RemoveAll(id => id == eos);
            if (wantEos)
                suffix.Add(eos);
        }
        return (prefix.ToArray(), suffix.ToArray());
    }
}
