using Microsoft.ML.Tokenizers;

namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// A SentencePiece tokenizer.model (Llama 2, TinyLlama, Mistral), for model folders that ship no tokenizer.json.
/// Microsoft.ML.Tokenizers reads the protobuf and runs SentencePiece's BPE; this adapts it to <see cref="ISubwordModel"/>.
/// </summary>
internal sealed class SentencePieceModel : ISubwordModel
{
    private readonly SentencePieceTokenizer _tokenizer;
    private readonly string?[] _idToToken;
    private readonly TokenDecoder _decoder;

    private SentencePieceModel(SentencePieceTokenizer tokenizer)
    {
        _tokenizer = tokenizer;
        _decoder = TokenDecoder.ForSentencePiece(tokenizer.AddDummyPrefix);
        Count = tokenizer.Vocabulary.Values.Max() + 1;
        _idToToken = new string?[Count];
        foreach (var (token, id) in tokenizer.Vocabulary)
            _idToToken[id] = token;
        // SentencePiece's control pieces (<s>, </s>) are what Hugging Face marks as special; <unk> too.
        AddedTokens = new[] { tokenizer.BeginningOfSentenceToken, tokenizer.EndOfSentenceToken, tokenizer.UnknownToken }
            .Distinct()
            .Select(token => new AddedToken(tokenizer.Vocabulary[token], token, Special: true))
            .ToArray();
    }

    public int Count { get; }
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    // A tokenizer.model has no post-processor: tokenizer_config.json's add_bos_token decides (default: BOS, no EOS).
    public (IReadOnlyList<int> Prefix, IReadOnlyList<int> Suffix)? SpecialTokenTemplate => null;

    public string BeginningOfSentenceToken => _tokenizer.BeginningOfSentenceToken;
    public string EndOfSentenceToken => _tokenizer.EndOfSentenceToken;

    public int? TokenToId(string token) => _tokenizer.Vocabulary.TryGetValue(token, out var id) ? id : null;

    public string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    public void Encode(string segment, bool segmentAtStart, List<int> ids)
    {
        if (segment.Length == 0)
            return;
        // Every segment gets SentencePiece's dummy prefix, as Hugging Face's legacy Llama tokenizer does after an added token.
        ids.AddRange(_tokenizer.EncodeToIds(segment, addBeginningOfSentence: false, addEndOfSentence: false,
            considerPreTokenization: true, considerNormalization: true));
    }

    // Decoding the pieces as Hugging Face's converted tokenizer.json does, rather than with Microsoft.ML.Tokenizers, keeps
    // control tokens in place ("<s> [INST]", as HF prints it) and keeps decoding of a window a prefix of decoding more of it,
    // which the incremental detokenizer depends on.
    public string Decode(List<string> tokens) => _decoder.Decode(tokens);

    public static SentencePieceModel Load(string file)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(file);
        }
        catch (IOException e)
        {
            throw new TokenizerException(file, $"cannot be read ({e.Message}).", e);
        }
        try
        {
            return new SentencePieceModel(LlamaTokenizer.Create(new MemoryStream(bytes), addBeginOfSentence: false, addEndOfSentence: false));
        }
        catch (Exception e)
        {
            // Google.Protobuf reports a corrupt file as InvalidProtocolBufferException; Microsoft.ML.Tokenizers an unsupported one as ArgumentException.
            throw new TokenizerException(file, $"not a valid SentencePiece BPE model ({e.Message}).", e);
        }
    }
}
