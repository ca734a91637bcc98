namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>
/// Legacy completions logprobs, as parallel arrays. <c>text_offset</c> counts characters from the start of the returned
/// text (this server does not echo the prompt).
/// </summary>
public sealed record CompletionLogprobs(
    IReadOnlyList<string> Tokens, IReadOnlyList<float> TokenLogprobs,
    IReadOnlyList<IReadOnlyDictionary<string, float>>? TopLogprobs, IReadOnlyList<int> TextOffset)
{
    public static CompletionLogprobs From(IReadOnlyList<TokenLogprobInfo> tokens, int top, int textOffset)
    {
        var offsets = new List<int>(tokens.Count);
        foreach (var t in tokens)
        {
            offsets.Add(textOffset);
            textOffset += t.Token.Length;
        }
        List<IReadOnlyDictionary<string, float>>? alternatives = null;
        if (top > 0)
        {
            alternatives = new List<IReadOnlyDictionary<string, float>>(tokens.Count);
            foreach (var t in tokens)
            {
                // Two ids can decode to the same text (a dictionary key): the more likely one is kept, as it comes first.
                var map = new Dictionary<string, float>();
                foreach (var a in t.TopLogprobs.Take(top)) map.TryAdd(a.Token, a.Logprob);
                alternatives.Add(map);
            }
        }
        return new CompletionLogprobs(tokens.Select(t => t.Token).ToList(), tokens.Select(t => t.Logprob).ToList(), alternatives, offsets);
    }
}
