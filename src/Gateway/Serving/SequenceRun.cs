using System.Diagnostics;
using System.Runtime.CompilerServices;
using Dynamo.Orleans.Gateway.Diagnostics;
using Dynamo.Orleans.Gateway.Errors;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>
/// One admitted sequence as the HTTP side reads it: its chunks in order, measured on the way (TTFT, inter-token
/// latency, tokens, duration). Disposing it ends the grain enumeration (cancelling the sequence if it still runs) and
/// frees the admission slot.
/// </summary>
public sealed class SequenceRun : IAsyncDisposable
{
    private readonly IAsyncEnumerator<CompletionChunk> _chunks;
    private readonly IDisposable _lease;
    private readonly GatewayMetrics _metrics;
    private readonly KeyValuePair<string, object?> _modelTag;
    private readonly long _arrivedAt;
    private bool _hasFirst;
    private int _tokens;
    private int _promptTokens;
    private double _lastTokenAt;

    internal SequenceRun(IAsyncEnumerator<CompletionChunk> chunks, IDisposable lease, GatewayMetrics metrics, string model, long arrivedAt)
    {
        _chunks = chunks;
        _lease = lease;
        _metrics = metrics;
        _arrivedAt = arrivedAt;
        Model = model;
        _modelTag = new KeyValuePair<string, object?>("model", model);
    }

    public string Model { get; }

    /// <summary>Why the sequence ended, once its chunks are read.</summary>
    public CompletionFinishReason? FinishReason { get; private set; }

    /// <summary>Usage from the last chunk (or counted, should the fabric not report it).</summary>
    public CompletionUsage Usage { get; private set; } = new(0, 0, 0);

    internal async Task StartAsync() => _hasFirst = await MoveNextAsync();

    /// <summary>The chunks, the first of which <see cref="SequenceRunner"/> already awaited.</summary>
    public async IAsyncEnumerable<CompletionChunk> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!_hasFirst) yield break;
        yield return _chunks.Current;
        while (await MoveNextAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return _chunks.Current;
        }
    }

    /// <summary>OpenAI's finish_reason; a sequence that ended any other way is an error to report.</summary>
    public string OpenAIFinishReason() => FinishReason switch
    {
        CompletionFinishReason.Stop => "stop",
        CompletionFinishReason.Length => "length",
        null => throw new ApiError(StatusCodes.Status500InternalServerError, "The sequence ended without a finish reason.", "server_error"),
        var other => throw new ApiError(StatusCodes.Status500InternalServerError, $"The sequence ended with '{other}'.", "server_error"),
    };

    private async ValueTask<bool> MoveNextAsync()
    {
        if (!await _chunks.MoveNextAsync()) return false;
        var chunk = _chunks.Current;
        var now = Stopwatch.GetElapsedTime(_arrivedAt).TotalSeconds;
        if (chunk.PromptTokenIds is { } prompt) _promptTokens = prompt.Count;
        int count = chunk.TokenIds.Count;
        if (count > 0)
        {
            if (_tokens == 0) _metrics.TimeToFirstToken.Record(now, _modelTag);
            // Orleans batches enumeration results: tokens that arrive together share the gap since the last ones.
            int gaps = _tokens == 0 ? count - 1 : count;
            double start = _tokens == 0 ? now : _lastTokenAt;
            for (int i = 0; i < gaps; i++) _metrics.InterTokenLatency.Record((now - start) / gaps, _modelTag);
            _tokens += count;
            _lastTokenAt = now;
        }
        if (chunk.FinishReason is { } finish)
        {
            FinishReason = finish;
            Usage = chunk.Usage ?? new CompletionUsage(_promptTokens, _tokens, 0);
            _metrics.InputTokens.Add(Usage.PromptTokens, _modelTag);
            _metrics.OutputTokens.Add(Usage.CompletionTokens, _modelTag);
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _chunks.DisposeAsync();
        }
        finally
        {
            _metrics.RequestDuration.Record(Stopwatch.GetElapsedTime(_arrivedAt).TotalSeconds, _modelTag);
            _lease.Dispose();
        }
    }
}
