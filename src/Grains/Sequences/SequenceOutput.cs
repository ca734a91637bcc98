using Dynamo.Orleans.Kernels.Tokenization;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Sequences;

/// <summary>Turns the worker's tokens into the caller's chunks: text deltas, stop strings, logprobs, finish and usage.</summary>
internal sealed class SequenceOutput(ModelTokenizer tokenizer, PreparedRequest request)
{
    private readonly IncrementalDetokenizer _detokenizer = tokenizer.CreateDetokenizer(request.Prompt);
    private readonly StopStringMatcher _stops = new(request.Stop);
    private readonly List<int> _delivered = new();

    public IReadOnlyList<int> Delivered => _delivered;
    public bool Finished { get; private set; }
    public CompletionFinishReason? FinishReason { get; private set; }
    public int CachedPromptTokens { get; set; }

    /// <summary>The chunk for one token (null when it adds nothing to send yet, e.g. half a character).</summary>
    public CompletionChunk? Accept(WorkerToken token)
    {
        _delivered.Add(token.TokenId);
        var text = _stops.Push(_detokenizer.Push(token.TokenId));
        CompletionFinishReason? finish = _stops.Stopped ? CompletionFinishReason.Stop : token.Finish;
        if (finish is not null)
        {
            if (!_stops.Stopped) text += _stops.Push(_detokenizer.Flush()) + _stops.Flush();
            Finished = true;
            FinishReason = finish;
        }
        return new CompletionChunk
        {
            Text = text,
            TokenIds = [token.TokenId],
            Logprobs = token.Logprob is { } lp ? [Logprob(token, lp)] : null,
            FinishReason = finish,
            Usage = finish is null ? null : new CompletionUsage(request.Prompt.Count, _delivered.Count, CachedPromptTokens),
            PromptTokenIds = _delivered.Count == 1 ? request.Prompt : null,
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
