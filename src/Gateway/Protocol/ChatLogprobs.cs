using System.Text;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>Chat logprobs: <c>{"content": [{token, logprob, bytes, top_logprobs}]}</c>.</summary>
public sealed record ChatLogprobs(IReadOnlyList<ChatTokenLogprob> Content)
{
    public object? Refusal => null;

    public static ChatLogprobs From(IEnumerable<TokenLogprobInfo> tokens, int top) =>
        new(tokens.Select(t => new ChatTokenLogprob(t.Token, t.Logprob, Bytes(t.Token),
            t.TopLogprobs.Take(top).Select(a => new ChatTopLogprob(a.Token, a.Logprob, Bytes(a.Token))).ToList())).ToList());

    private static int[] Bytes(string token) => Encoding.UTF8.GetBytes(token).Select(b => (int)b).ToArray();
}

public sealed record ChatTokenLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<ChatTopLogprob> TopLogprobs);

public sealed record ChatTopLogprob(string Token, float Logprob, IReadOnlyList<int> Bytes);
