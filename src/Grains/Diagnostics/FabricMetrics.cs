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
    public static readonly UpDownCounter<long> InFlight = Meter.CreateUpDownCounter<long>("dynamo_sequence_inflight_requests");
}
