using System.Globalization;

namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>
/// When a traffic class starts its sessions: a closed loop of a fixed number of concurrent users (each starts the next
/// session when its last one ends), or an open Poisson process at a request rate, which keeps arriving whatever the
/// server's latency — the way real traffic does, and the way a long prompt lands in the middle of running decodes.
/// </summary>
public abstract record Arrival
{
    public sealed record Concurrency(int Users) : Arrival
    {
        public override string ToString() => $"concurrency {Users}";
    }

    public sealed record Poisson(double RequestsPerSecond) : Arrival
    {
        /// <summary>Exponential inter-arrival gap with mean 1/rate (inverse-CDF draw).</summary>
        public TimeSpan NextGap(Random random) => TimeSpan.FromSeconds(-Math.Log(1.0 - random.NextDouble()) / RequestsPerSecond);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Poisson {RequestsPerSecond:0.###} req/s");
    }
}
