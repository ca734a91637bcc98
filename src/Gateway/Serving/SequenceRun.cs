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
    private readonly IAsyncEnumerator<CompletionChunk> chunks;
    private readonly IDisposable lease;
    private readonly GatewayMetrics metrics;
    private readonly KeyValuePair<string, object?> modelTag;
    private readonly long arrivedAt;
    private bool hasFirst;
    private int tokens;
    private int promptTokens;
    private double lastTokenAt;

    internal SequenceRun(IAsyncEnumerator<CompletionChunk> chunks, IDisposable lease, GatewayMetrics metrics, string model, long arrivedAt)
    {
        this.chunks = chunks;
        this.lease = lease;
        this.metrics = metrics;
        this.arrivedAt = arrivedAt;
        Model = model;
        modelTag = new KeyValuePair<string, object?>("model", model);
    }

    public string Model { get; }

    /// <summary>Why the sequence ended, once its chunks are read.</summary>
    public CompletionFinishReason? FinishReason { get; private set; }

    /// <summary>Usage from the last chunk (or counted, should the fabric not report it).</summary>
    public CompletionUsage Usage { get; private set; } = new(0, 0, 0);

    internal async Task StartAsync() => hasFirst = await MoveNextAsync();

    /// <summary>The chunks, the first of which <see cref="SequenceRunner"/> already awaited.</summary>
    public async IAsyncEnumerable<CompletionChunk> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!hasFirst) yield break;
        yield return chunks.Current;
        while (await MoveNextAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return chunks.Current;
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
        if (!await chunks.MoveNextAsync()) return false;
        var chunk = chunks.Current;
        var now = Stopwatch.GetElapsedTime(arrivedAt).TotalSeconds;
        if (chunk.PromptTokenIds is { } prompt) promptTokens = prompt.Count;
        int count = chunk.TokenIds.Count;
        if (count > 0)
        {
            if (tokens == 0) metrics.TimeToFirstToken.Record(now, modelTag);
            // Orleans batches enumeration results: tokens that arrive together share the gap since the last ones.
            int gaps = tokens == 0 ? count - 1 : count;
            double start = tokens == 0 ? now : lastTokenAt;
            for (int i = 0; i < gaps; i++) metrics.InterTokenLatency.Record((now - start) / gaps, modelTag);
            tokens += count;
            lastTokenAt = now;
        }
        if (chunk.FinishReason is { } finish)
        {
            FinishReason = finish;
            Usage = chunk.Usage ?? new CompletionUsage(promptTokens, tokens, 0);
            metrics.InputTokens.Add(Usage.PromptTokens, modelTag);
            metrics.OutputTokens.Add(Usage.CompletionTokens, modelTag);
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await chunks.DisposeAsync();
        }
        finally
        {
            metrics.RequestDuration.Record(Stopwatch.GetElapsedTime(arrivedAt).TotalSeconds, modelTag);
            lease.Dispose();
        }
    }
}
