using System.Diagnostics.Metrics;

namespace Dynamo.Orleans.Grains.Diagnostics;

/// <summary>
/// Per-request measurements, named as Dynamo names them (<c>component_what_unit</c>). The gateway exports the meter
/// in Prometheus format; anything that listens to <see cref="MeterName"/> can read them.
/// </summary>
public static class FabricMetrics
{
    public const string MeterName = "Dynamo.Orleans";
    private static readonly Meter Meter = new(MeterName);

    public static readonly Histogram<double> TimeToFirstToken = Meter.CreateHistogram<double>("dynamo_sequence_time_to_first_token_seconds", "s");
    public static readonly Histogram<double> InterTokenLatency = Meter.CreateHistogram<double>("dynamo_sequence_inter_token_latency_seconds", "s");
    public static readonly Histogram<double> RequestDuration = Meter.CreateHistogram<double>("dynamo_sequence_request_duration_seconds", "s");
    public static readonly Histogram<double> HandoffLatency = Meter.CreateHistogram<double>("dynamo_sequence_kv_handoff_seconds", "s");
    /// <summary>Published on the "kv-pages" stream → delivered to the decode worker: the stream provider's share of a handoff.</summary>
    public static readonly Histogram<double> HandleDelivery = Meter.CreateHistogram<double>("dynamo_kv_handle_delivery_seconds", "s");
    public static readonly Counter<long> PromptTokens = Meter.CreateCounter<long>("dynamo_sequence_input_tokens_total");
    public static readonly Counter<long> OutputTokens = Meter.CreateCounter<long>("dynamo_sequence_output_tokens_total");
    public static readonly Counter<long> Reroutes = Meter.CreateCounter<long>("dynamo_sequence_reroutes_total");
    /// <summary>Leading blocks of a request the KV index said its decode worker held when the router chose it.</summary>
    public static readonly Histogram<int> RouterOverlapBlocks = Meter.CreateHistogram<int>("dynamo_router_overlap_blocks", null, null, null,
        new InstrumentAdvice<int> { HistogramBucketBoundaries = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });
    /// <summary>The router's decision for a decode worker (index match and scoring; load fetches excluded).</summary>
    public static readonly Histogram<double> RouterDecisionTime = Meter.CreateHistogram<double>("dynamo_router_decision_seconds", "s", null, null,
        new InstrumentAdvice<double> { HistogramBucketBoundaries = [1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 0.1] });
    /// <summary>(worker, block) pairs in this process's KV indexes.</summary>
    public static readonly UpDownCounter<long> KvIndexBlocks = Meter.CreateUpDownCounter<long>("dynamo_router_kv_index_blocks");
    public static readonly Counter<long> KvEventsApplied = Meter.CreateCounter<long>("dynamo_router_kv_events_applied_total");
    /// <summary>Full cache dumps routers asked workers for: at start, and after missing events.</summary>
    public static readonly Counter<long> KvDumpsRequested = Meter.CreateCounter<long>("dynamo_router_kv_dumps_requested_total");
    /// <summary>
    /// Pulls the KV data plane turned away, tagged <c>reason</c>: forged, expired, unknown (already pulled or released),
    /// unauthenticated (no proof of the cluster secret) or protocol. Here rather than in the transfer meter so the gateway's
    /// /metrics shows it: anything but a trickle of expired and unknown means someone is probing the port.
    /// </summary>
    public static readonly Counter<long> DataPlaneRefusals = Meter.CreateCounter<long>("dynamo_kv_dataplane_refusals_total");
    public static readonly UpDownCounter<long> InFlight = Meter.CreateUpDownCounter<long>("dynamo_sequence_inflight_requests");
}
