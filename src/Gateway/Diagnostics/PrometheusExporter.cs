using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Dynamo.Orleans.Gateway.Diagnostics;

/// <summary>
/// Listens to this gateway's meter and to the fabric's ("Dynamo.Orleans", present when the gateway runs inside a silo)
/// and writes what it aggregated in the Prometheus text format (0.0.4). Counters sum, up-down counters and gauges
/// hold their value, histograms count into the bucket boundaries their instrument advises (default
/// <see cref="GatewayMetrics.LatencyBuckets"/>).
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    public const string FabricMeterName = "Dynamo.Orleans";
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly MeterListener _listener = new();
    private readonly Lock _scrapeGate = new();
    private readonly ConcurrentDictionary<Instrument, ConcurrentDictionary<string, Series>> _instruments = new();

    public PrometheusExporter(GatewayMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter) || instrument.Meter.Name == FabricMeterName)
            {
                _instruments.TryAdd(instrument, new ConcurrentDictionary<string, Series>());
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<int>((i, value, tags, _) => Record(i, value, tags));
        _listener.SetMeasurementEventCallback<double>((i, value, tags, _) => Record(i, value, tags));
        _listener.MeasurementsCompleted = (i, _) => _instruments.TryRemove(i, out ConcurrentDictionary<string, Series>? _);
        _listener.Start();
    }

    private static bool IsObservable(Instrument i) => i.GetType().Name.StartsWith("Observable", StringComparison.Ordinal);
    private static bool IsHistogram(Instrument i) => i.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal);
    /// <summary>Upper bucket bounds: the instrument's advice when it gives some (counts, sub-millisecond times), else latency buckets.</summary>
    private static double[] BucketsOf(Instrument i) => i switch
    {
        Histogram<int> { Advice.HistogramBucketBoundaries: { } bounds } => bounds.Select(b => (double)b).ToArray(),
        Histogram<long> { Advice.HistogramBucketBoundaries: { } bounds } => bounds.Select(b => (double)b).ToArray(),
        Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds } => bounds.ToArray(),
        _ => GatewayMetrics.LatencyBuckets,
    };

    private static bool IsCounter(Instrument i) => i.GetType().Name is "Counter`1" or "ObservableCounter`1";

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_instruments.TryGetValue(instrument, out var series)) return;
        var labels = Labels(tags);
        var s = series.GetOrAdd(labels, _ => new Series(IsHistogram(instrument) ? BucketsOf(instrument) : null));
        lock (s)
        {
            if (IsHistogram(instrument))
            {
                s.Count++;
                s.Sum += value;
                int bucket = Array.BinarySearch(s.Bounds!, value);
                s.Buckets![bucket >= 0 ? bucket : ~bucket]++;
            }
            else if (IsObservable(instrument)) s.Value = value;  // observed now: the value itself
            else s.Value += value;                               // counter and up-down counter deltas
        }
    }

    /// <summary>Observes the gauges, then writes every series.</summary>
    public string Scrape()
    {
        lock (_scrapeGate) return Write();
    }

    private string Write()
    {
        // Observable series are re-observed each scrape, so a worker that left disappears from the output.
        foreach (var (instrument, series) in _instruments)
            if (IsObservable(instrument)) series.Clear();
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var (instrument, series) in _instruments.OrderBy(p => p.Key.Name, StringComparer.Ordinal))
        {
            var name = MetricName(instrument.Name);
            var type = IsHistogram(instrument) ? "histogram" : IsCounter(instrument) ? "counter" : "gauge";
            if (instrument.Description is { Length: > 0 } help) text.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", @"\\").Replace("\n", @"\n")).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, s) in series.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                lock (s)
                {
                    if (s.Buckets is null)
                    {
                        Line(text, name, labels, s.Value);
                        continue;
                    }
                    long cumulative = 0;
                    for (int b = 0; b < s.Bounds!.Length; b++)
                    {
                        cumulative += s.Buckets[b];
                        Line(text, name + "_bucket", Join(labels, "le=\"" + Number(s.Bounds[b]) + "\""), cumulative);
                    }
                    Line(text, name + "_bucket", Join(labels, "le=\"+Inf\""), s.Count);
                    Line(text, name + "_sum", labels, s.Sum);
                    Line(text, name + "_count", labels, s.Count);
                }
            }
        }
        return text.ToString();
    }

    private static void Line(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(Number(value)).Append('\n');
    }

    private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var escaped = Convert.ToString(value, CultureInfo.InvariantCulture)?.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n") ?? "";
            pairs.Add(MetricName(key) + "=\"" + escaped + "\"");
        }
        pairs.Sort(StringComparer.Ordinal);
        return string.Join(",", pairs);
    }

    /// <summary>Prometheus names allow [a-zA-Z_:][a-zA-Z0-9_:]*; anything else (dots of OpenTelemetry-style names) becomes '_'.</summary>
    private static string MetricName(string name)
    {
        var chars = name.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetter(chars[i]) || chars[i] is '_' or ':' || (i > 0 && char.IsAsciiDigit(chars[i])))) chars[i] = '_';
        return new string(chars);
    }

    public void Dispose() => _listener.Dispose();

    /// <param name="bounds">Upper bucket bounds for a histogram; null for any other instrument.</param>
    private sealed class Series(double[]? bounds)
    {
        public double Value;
        public long Count;
        public double Sum;
        public readonly double[]? Bounds = bounds;
        public readonly long[]? Buckets = bounds is null ? null : new long[bounds.Length + 1];
    }
}
