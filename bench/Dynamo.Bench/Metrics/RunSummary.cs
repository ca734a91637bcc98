using Dynamo.Orleans.Bench.Client;

namespace Dynamo.Orleans.Bench.Metrics;

/// <summary>
/// The numbers of one measured run (warm-up excluded). The window runs from the first measured request's start to the last
/// one's end; rates are per second of that window. "Per user" is one stream's decode speed (1 / its mean ITL, averaged over
/// requests), "per worker" the output rate divided by the worker cores serving it — the two axes of the throughput/latency
/// trade-off plot.
/// </summary>
public sealed record RunSummary
{
    public required int Requests { get; init; }
    public required int Succeeded { get; init; }
    public required int Failed { get; init; }
    /// <summary>Completed without error but with a token count other than the one asked for.</summary>
    public required int ShortOrLong { get; init; }
    public required double DurationS { get; init; }
    public required long InputTokens { get; init; }
    public required long OutputTokens { get; init; }
    public required double RequestsPerS { get; init; }
    public required double OutputTokensPerS { get; init; }
    public required double OutputTokensPerSPerWorker { get; init; }
    public required double OutputTokensPerSPerUser { get; init; }
    public required int GoodRequests { get; init; }
    public required double GoodputRequestsPerS { get; init; }
    public LatencyStats? TtftS { get; init; }
    public LatencyStats? MeanItlS { get; init; }
    /// <summary>Every gap between streamed chunks of every request: its tail is the decode stall a long prefill causes.</summary>
    public LatencyStats? ChunkGapS { get; init; }
    public LatencyStats? E2eS { get; init; }

    public static RunSummary Of(IEnumerable<RequestRecord> records, ServiceLevel sla, int workerCores)
    {
        var measured = records.Where(r => !r.Warmup).ToList();
        if (measured.Count == 0) throw new ArgumentException("no measured requests", nameof(records));
        var ok = measured.Where(r => r.Succeeded).ToList();
        double start = measured.Min(r => r.StartS), end = measured.Max(r => r.EndS);
        double duration = Math.Max(end - start, 1e-9);
        long output = ok.Sum(r => (long)r.OutputTokens);
        int good = measured.Count(sla.IsMetBy);
        var perUser = ok.Where(r => r.MeanItlS is > 0).Select(r => 1.0 / r.MeanItlS!.Value).ToList();
        return new RunSummary
        {
            Requests = measured.Count,
            Succeeded = ok.Count,
            Failed = measured.Count(r => r.Error is not null),
            ShortOrLong = measured.Count(r => r.Error is null && !r.Succeeded),
            DurationS = duration,
            InputTokens = ok.Sum(r => (long)r.PromptTokens),
            OutputTokens = output,
            RequestsPerS = ok.Count / duration,
            OutputTokensPerS = output / duration,
            OutputTokensPerSPerWorker = output / duration / Math.Max(1, workerCores),
            OutputTokensPerSPerUser = perUser.Count > 0 ? perUser.Average() : 0,
            GoodRequests = good,
            GoodputRequestsPerS = good / duration,
            TtftS = LatencyStats.Of(ok.Select(r => r.TtftS!.Value)),
            MeanItlS = LatencyStats.Of(ok.Where(r => r.MeanItlS is not null).Select(r => r.MeanItlS!.Value)),
            ChunkGapS = LatencyStats.Of(ok.SelectMany(r => r.ChunkGapsS())),
            E2eS = LatencyStats.Of(ok.Select(r => r.E2eS)),
        };
    }
}
