namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// Finds added tokens written in raw text ("&lt;|im_start|&gt;", "&lt;think&gt;") so they map to their own ids, as Hugging Face
/// does before normalizing: leftmost match first, the longest token among those starting there.
/// </summary>
internal sealed class AddedTokenMatcher
{
    // Candidates by first character, longest first, so the first hit at a position is the longest one.
    private readonly Dictionary<char, AddedToken[]> _byFirstChar;

    public AddedTokenMatcher(IEnumerable<AddedToken> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
    }

    /// <summary>Splits text into stretches of plain text (Token null) and added tokens, in order; no empty plain stretch.</summary>
    public List<(string Text, AddedToken? Token)> Split(string text)
    {
        var segments = new List<(string, AddedToken?)>();
        var plainStart = 0;
        var i = 0;
        while (i < text.Length)
        {
            var token = _byFirstChar.TryGetValue(text[i], out var candidates)
                ? candidates.FirstOrDefault(c => i + c.Content.Length <= text.Length && string.CompareOrdinal(text, i, c.Content, 0, c.Content.Length) == 0)
                : null;
            if (token is null)
            {
                i++;
                continue;
            }
            var plainEnd = i;
            if (token.LStrip)
                while (plainEnd > plainStart && char.IsWhiteSpace(text[plainEnd - 1]))
                    plainEnd--;
            if (plainEnd > plainStart)
                segments.Add((text[plainStart..plainEnd], null));
            segments.Add((token.Content, token));
            i += token.Content.Length;
            if (token.RStrip)
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                    i++;
            plainStart = i;
        }
        if (plainStart < text.Length)
            segments.Add((text[plainStart..], null));
        return segments;
    }
}
