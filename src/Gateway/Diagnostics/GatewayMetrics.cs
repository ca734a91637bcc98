using System.Diagnostics.Metrics;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Gateway.Diagnostics;

/// <summary>
/// What the front end measures, named as NVIDIA Dynamo's frontend names it (<c>dynamo_frontend_*</c>), plus each
/// worker's KV block usage from the fabric status. One meter per gateway instance, so that two gateways in one
/// process (tests) keep their numbers apart. Gauges read plain functions, so the metrics know nothing of what they observe.
/// </summary>
public sealed class GatewayMetrics : IDisposable
{
    public const string MeterName = "Dynamo.Orleans.Gateway";

    /// <summary>Latency buckets (seconds) from 1 ms to 2 min, as Prometheus client libraries use.</summary>
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 120];

    /// <param name="running">Requests generating now.</param>
    /// <param name="queued">Requests waiting for a generation slot.</param>
    /// <param name="fabric">The latest fabric status, null before the first.</param>
    public GatewayMetrics(Func<int> running, Func<int> queued, Func<FabricStatus?> fabric)
    {
        Meter = new Meter(MeterName);
        TimeToFirstToken = Meter.CreateHistogram<double>("dynamo_frontend_time_to_first_token_seconds", "s",
            "Time from the request's arrival to its first generated token.");
        InterTokenLatency = Meter.CreateHistogram<double>("dynamo_frontend_inter_token_latency_seconds", "s",
            "Time between consecutive generated tokens of a request.");
        RequestDuration = Meter.CreateHistogram<double>("dynamo_frontend_request_duration_seconds", "s",
            "Time from the request's arrival to its last token.");
        InputTokens = Meter.CreateCounter<long>("dynamo_frontend_input_tokens_total", null, "Prompt tokens of served requests.");
        OutputTokens = Meter.CreateCounter<long>("dynamo_frontend_output_tokens_total", null, "Generated tokens of served requests.");
        Requests = Meter.CreateCounter<long>("dynamo_frontend_requests_total", null, "HTTP requests by endpoint and status.");
        Meter.CreateObservableGauge("dynamo_frontend_inflight_requests", running, null, "Requests generating now.");
        Meter.CreateObservableGauge("dynamo_frontend_queued_requests", queued, null, "Requests waiting for a generation slot.");
        Meter.CreateObservableGauge("dynamo_worker_kv_blocks_used", () => WorkerBlocks(fabric, w => w.UsedBlocks), null, "KV blocks in use by running sequences.");
        Meter.CreateObservableGauge("dynamo_worker_kv_blocks_total", () => WorkerBlocks(fabric, w => w.TotalBlocks), null, "KV blocks of the worker's cache.");
    }

    public Meter Meter { get; }
    public Histogram<double> TimeToFirstToken { get; }
    public Histogram<double> InterTokenLatency { get; }
    public Histogram<double> RequestDuration { get; }
    public Counter<long> InputTokens { get; }
    public Counter<long> OutputTokens { get; }
    public Counter<long> Requests { get; }

    private static IEnumerable<Measurement<int>> WorkerBlocks(Func<FabricStatus?> fabric, Func<WorkerLoad, int> value)
    {
        if (fabric() is not { } status) yield break;
        // The role comes from the list a worker is in: a silo with both roles has one worker id for both.
        foreach (var (role, workers) in new[] { ("prefill", status.PrefillWorkers), ("decode", status.DecodeWorkers) })
            foreach (var worker in workers)
                yield return new Measurement<int>(value(worker),
                    new KeyValuePair<string, object?>("worker", worker.WorkerId), new KeyValuePair<string, object?>("role", role));
    }

    public void Dispose() => Meter.Dispose();
}
