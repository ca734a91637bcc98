namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// Streams generated text one token at a time with the prefix-offset / read-offset scheme of vLLM and TGI: it decodes a
/// short window that starts a few tokens back (so SentencePiece's leading space and byte-level merges see their context)
/// and emits only what the window's text gained, never text ending in U+FFFD (a character whose bytes are still coming).
/// The concatenated output equals Decode(prompt + generated) minus Decode(prompt). Not thread-safe: one per sequence.
/// </summary>
public sealed class IncrementalDetokenizer
{
    // How far back into the prompt the first window reaches; vLLM and TGI use 5.
    private const int PromptContext = 5;

    private readonly ModelTokenizer _tokenizer;
    private readonly bool _skipSpecialTokens;
    private readonly List<int> _ids;
    private int _prefixOffset;
    private int _readOffset;

    internal IncrementalDetokenizer(ModelTokenizer tokenizer, IReadOnlyList<int> promptIds, bool skipSpecialTokens)
    {
        _tokenizer = tokenizer;
        _skipSpecialTokens = skipSpecialTokens;
        // Only the prompt's tail is ever decoded again.
        var kept = Math.Min(promptIds.Count, PromptContext);
        _ids = new List<int>(kept + 64);
        for (var i = promptIds.Count - kept; i < promptIds.Count; i++)
            _ids.Add(promptIds[i]);
        _prefixOffset = 0;
        _readOffset = kept;
    }

    /// <summary>Adds a generated token and returns the text it completed, possibly empty.</summary>
    public string Push(int tokenId)
    {
        _ids.Add(tokenId);
        var prefixText = DecodeRange(_prefixOffset, _readOffset);
        var newText = DecodeRange(_prefixOffset, _ids.Count);
        if (newText.Length <= prefixText.Length || newText.EndsWith('\uFFFD'))
            return "";
        Advance();
        return newText[prefixText.Length..];
    }

    /// <summary>Returns what is still held back at the end of the sequence (for example bytes of a character cut short).</summary>
    public string Flush()
    {
        var prefixText = DecodeRange(_prefixOffset, _readOffset);
        var newText = DecodeRange(_prefixOffset, _ids.Count);
        Advance();
        return newText.Length > prefixText.Length ? newText[prefixText.Length..] : "";
    }

    private void Advance()
    {
        _prefixOffset = _readOffset;
        _readOffset = _ids.Count;
        // Drop tokens no window will decode again so a long generation does not grow this list.
        if (_prefixOffset > 1024)
        {
            _ids.RemoveRange(0, _prefixOffset);
            _readOffset -= _prefixOffset;
            _prefixOffset = 0;
        }
    }

    private string DecodeRange(int start, int end) =>
        start == end ? "" : _tokenizer.Decode(_ids.GetRange(start, end - start), _skipSpecialTokens);
}
