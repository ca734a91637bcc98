using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// Chooses how blocks travel by where producer and consumer run (same process → in-process copy, same host and a
/// registered pool → the consumer maps the producer's pool, else TCP from the pool) unless options force one, and finds
/// the registered transport for a handle.
/// </summary>
public sealed class KvTransportSelector
{
    private readonly Dictionary<KvTransportKind, IKvTransport> _transports;
    private readonly KvTransportOptions _options;

    public KvTransportSelector(IEnumerable<IKvTransport> transports, IOptions<KvTransportOptions> options)
    {
        _transports = transports.ToDictionary(t => t.Kind);
        _options = options.Value;
    }

    /// <summary>How blocks produced at <paramref name="source"/> (in a pool peers can map or not) and pulled at <paramref name="destination"/> travel.</summary>
    public KvTransportKind Choose(KvPageLocation source, KvPageLocation destination, bool sourcePoolMappable) =>
        _options.ForceTransport ?? (source.SameProcessAs(destination) ? KvTransportKind.InProcess
            : source.SameHostAs(destination) && sourcePoolMappable ? KvTransportKind.SharedMemory
            : KvTransportKind.Tcp);

    /// <summary>The registered transport of <paramref name="kind"/>.</summary>
    public IKvTransport Get(KvTransportKind kind) =>
        _transports.TryGetValue(kind, out var transport)
            ? transport
            : throw new InvalidOperationException($"No {kind} KV transport is registered here");

    /// <summary>The registered transport that can pull <paramref name="handle"/>.</summary>
    public IKvTransport Resolve(KvPageHandle handle) =>
        _transports.TryGetValue(handle.Transport, out var transport)
            ? transport
            : throw new InvalidOperationException($"No {handle.Transport} KV transport is registered here to pull lease {handle.LeaseId} of sequence {handle.SequenceId}");

}
