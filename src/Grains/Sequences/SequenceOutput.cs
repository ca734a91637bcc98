using Dynamo.Orleans.Kernels.Tokenization;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Sequences;

/// <summary>Turns the worker's tokens into the caller's chunks: text deltas, stop strings, logprobs, finish and usage.</summary>
internal sealed class SequenceOutput(ModelTokenizer tokenizer, PreparedRequest request)
{
    private readonly IncrementalDetokenizer detokenizer = tokenizer.CreateDetokenizer(request.Prompt);
    private readonly StopStringMatcher stops = new(request.Stop);
    private readonly List<int> delivered = new();

    public IReadOnlyList<int> Delivered => delivered;
    public bool Finished { get; private set; }
    public CompletionFinishReason? FinishReason { get; private set; }
    public int CachedPromptTokens { get; set; }

    /// <summary>The chunk for one token (null when it adds nothing to send yet, e.g. half a character).</summary>
    public CompletionChunk? Accept(WorkerToken token)
    {
        delivered.Add(token.TokenId);
        var text = stops.Push(detokenizer.Push(token.TokenId));
        CompletionFinishReason? finish = stops.Stopped ? CompletionFinishReason.Stop : token.Finish;
        if (finish is not null)
        {
            if (!stops.Stopped) text += stops.Push(detokenizer.Flush()) + stops.Flush();
            Finished = true;
            FinishReason = finish;
        }
        return new CompletionChunk
        {
            Text = text,
            TokenIds = [token.TokenId],
            Logprobs = token.Logprob is { } lp ? [Logprob(token, lp)] : null,
            FinishReason = finish,
            Usage = finish is null ? null : new CompletionUsage(request.Prompt.Count, delivered.Count, CachedPromptTokens),
            PromptTokenIds = delivered.Count == 1 ? request.Prompt : null,
        };
    }

    private TokenLogprobInfo Logprob(WorkerToken token, float logprob)
    {
        var top = new List<TopLogprob>();
        if (token.TopTokenIds is { } ids)
            for (int i = 0; i < ids.Length; i++) top.Add(new TopLogprob(ids[i], tokenizer.Decode([ids[i]]), token.TopLogprobs![i]));
        return new TokenLogprobInfo(token.TokenId, tokenizer.Decode([token.TokenId]), logprob, top);
    }
}
