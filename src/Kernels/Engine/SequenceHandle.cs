using Dynamo.Orleans.Kernels.Sampling;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>The caller's side of a sequence: its tokens as they are produced, its end, and a way to cancel it.</summary>
public sealed class SequenceHandle
{
    private readonly Sequence _sequence;
    private readonly Action<long> _cancel;

    internal SequenceHandle(Sequence sequence, Action<long> cancel)
    {
        _sequence = sequence;
        _cancel = cancel;
    }

    public long Id => _sequence.Id;
    public int PromptTokens => _sequence.PromptLength;
    /// <summary>The parameters the sequence samples with, its seed fixed (the request's, or the one the engine chose): pass them on at a handoff.</summary>
    public SamplingParams Parameters => _sequence.Parameters;
    /// <summary>Prompt tokens whose KV came from the prefix cache (known once the sequence was first scheduled).</summary>
    public int CachedPromptTokens => _sequence.CachedPromptTokens;

    public ChannelReader<GeneratedToken> Tokens => _sequence.Output.Reader;

    /// <summary>The finish reason; null when the sequence stopped after its first token to hand its KV over (handed off).</summary>
    public Task<FinishReason?> Completion => _sequence.Completion.Task;

    /// <summary>Stops the sequence at the next step boundary and frees its blocks.</summary>
    public void Cancel()
    {
        _sequence.CancelRequested = true; // no token is delivered after this, even from a step already running
        _cancel(_sequence.Id);
    }

    /// <summary>Streams tokens until the sequence ends; cancelling <paramref name="cancellationToken"/> cancels the sequence.</summary>
    public async IAsyncEnumerable<GeneratedToken> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.Register(Cancel);
        await foreach (var token in _sequence.Output.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            yield return token;
    }
}
