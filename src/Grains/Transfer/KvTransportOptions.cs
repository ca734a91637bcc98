using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>How a worker offers and pulls KV pages: its data-plane listener, chunking, leases and locality (the pool itself: <c>EngineOptions.KvPool</c>).</summary>
public sealed class KvTransportOptions
{
    /// <summary>The address the data-plane listener binds and peers connect to (it is advertised in every handle).</summary>
    public string DataPlaneAddress { get; set; } = "127.0.0.1";

    /// <summary>The data-plane port; 0 lets the OS pick one (read it back from <see cref="KvDataPlaneServer.Endpoint"/>).</summary>
    public int DataPlanePort { get; set; }

    /// <summary>The most bytes one socket send or receive of a TCP pull moves: bounds the memory a pull touches per call.</summary>
    public int ChunkBytes { get; set; } = 1 << 20;

    /// <summary>How long offered pages wait for a pull before the outbox reclaims them.</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Use this transport whatever the locality (tests force Tcp between processes of one host); null chooses by locality.</summary>
    public KvTransportKind? ForceTransport { get; set; }

    /// <summary>
    /// What tells hosts apart for the transport choice: two workers with the same host id may use shared memory, others
    /// pull over TCP. Null: the machine name. Set it where machine names repeat across hosts (containers, cloned VMs).
    /// </summary>
    public string? HostId { get; set; }

    /// <summary>Short secrets are typos or placeholders, not keys: they are refused rather than give a false sense of safety.</summary>
    public const int MinimumClusterSecretLength = 16;

    /// <summary>
    /// A secret every silo of the cluster shares (at least 16 characters). Without one, a TCP pull still needs the lease
    /// token only the producing process can sign, which stops anyone who merely reaches the data-plane port. With one,
    /// the puller must also prove it holds the secret, so a KV handle learned through Orleans (whose messaging
    /// authenticates nobody: an Orleans client can subscribe to a stream) reads nothing either. Silos that pull from each
    /// other must agree on it; null or empty: no proof asked or sent. At least <see cref="MinimumClusterSecretLength"/> characters.
    /// </summary>
    public string? ClusterSecret { get; set; }
}
