namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// What a tokenizer file provides under the added-token layer that <see cref="ModelTokenizer"/> runs itself:
/// text between added tokens to ids, and ids (added ones included) back to text.
/// </summary>
internal interface ISubwordModel
{
    /// <summary>Ids 0..Count-1 of the file's own vocabulary.</summary>
    int Count { get; }

    /// <summary>The tokens the file itself declares as added (tokenizer.json's added_tokens, SentencePiece control pieces).</summary>
    IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>Ids the file's post-processor puts around a sequence when special tokens are requested, if it says.</summary>
    (IReadOnlyList<int> Prefix, IReadOnlyList<int> Suffix)? SpecialTokenTemplate { get; }

    int? TokenToId(string token);

    string? IdToToken(int id);

    /// <param name="segmentAtStart">Whether the segment begins the text rather than following an added token.</param>
    void Encode(string segment, bool segmentAtStart, List<int> ids);

    /// <param name="tokens">The tokens of the ids to decode, added tokens as their content, as Hugging Face's decoders take them.</param>
    string Decode(List<string> tokens);
}
