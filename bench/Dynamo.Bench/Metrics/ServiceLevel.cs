using System.Globalization;
using Dynamo.Orleans.Bench.Client;

namespace Dynamo.Orleans.Bench.Metrics;

/// <summary>
/// The SLA goodput is counted against (DistServe's definition): a request is good when it completed in full, its first
/// token came within <see cref="MaxTtftS"/> and its mean inter-token latency is within <see cref="MaxMeanItlS"/>.
/// </summary>
public sealed record ServiceLevel(double MaxTtftS, double MaxMeanItlS)
{
    public bool IsMetBy(RequestRecord record) =>
        record.Succeeded && record.TtftS <= MaxTtftS && (record.MeanItlS ?? 0) <= MaxMeanItlS;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"TTFT ≤ {MaxTtftS * 1000:0} ms and mean ITL ≤ {MaxMeanItlS * 1000:0} ms");
}
