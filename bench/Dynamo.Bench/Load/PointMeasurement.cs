using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Metrics;
using Dynamo.Orleans.Bench.Reports;
using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Load;

/// <summary>One point of a sweep: the workload at one concurrency on one deployment, summarised whole and per traffic class.</summary>
public sealed record PointMeasurement(MeasuredPoint Point, IReadOnlyList<RequestRecord> Records)
{
    /// <summary>Requests, warm-up included, that failed or came back with another token count than asked: a run that loses any is a failed run.</summary>
    public IReadOnlyList<RequestRecord> Lost => Records.Where(r => !r.Succeeded).ToList();

    public static async Task<PointMeasurement> RunAsync(CompletionEndpoint endpoint, string model, Workload workload, string deployment, int workerCores,
                                                        int concurrency, ServiceLevel sla, RequestLog log, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var records = await new LoadRunner(endpoint, model, deadline).RunAsync(workload, log, cancellationToken);
        var measured = records.Where(r => !r.Warmup).ToList();
        if (measured.Count == 0) throw new InvalidOperationException($"{log.Label}: no measured request ran (deadline {deadline.TotalSeconds:F0} s)");
        var classes = measured.GroupBy(r => r.Class).ToDictionary(g => g.Key, g => RunSummary.Of(g, sla, workerCores));
        return new(new MeasuredPoint(deployment, workerCores, concurrency, RunSummary.Of(measured, sla, workerCores), classes), records);
    }
}
