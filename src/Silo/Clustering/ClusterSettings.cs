namespace Dynamo.Orleans.Silo.Clustering;

/// <summary>
/// How <c>dynamo serve</c> joins its cluster: configuration section "Cluster" (appsettings.json, <c>DYNAMO_Cluster__…</c>
/// environment variables), overridden by <c>--clustering</c>, <c>--advertise-address</c> and <c>--host-id</c>.
/// </summary>
public sealed class ClusterSettings
{
    public const string SectionName = "Cluster";

    /// <summary><c>localhost</c> (one machine, a primary silo) or <c>redis://HOST:PORT[/DB]</c> (any hosts, no primary).</summary>
    public string Clustering { get; set; } = "localhost";

    /// <summary>The address peers reach this process at. Null: loopback with localhost clustering, else the host's first routable IPv4.</summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>What tells hosts apart for the KV transport choice (shared memory only within one host id). Null: the machine name.</summary>
    public string? HostId { get; set; }
}
