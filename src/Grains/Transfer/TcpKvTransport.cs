using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Dynamo.Orleans.Grains.Transfer.KvDataPlaneProtocol;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// Other host (or forced, or a private pool). Offered blocks stay pinned in the producer's pool, served by its
/// <see cref="KvDataPlaneServer"/> straight from the pool into the socket; the consumer receives at most ChunkBytes per
/// call straight into its reserved blocks. Connections are kept alive and pooled per endpoint,
/// because a decode worker pulls every layer group of every sequence from the same few prefill workers.
/// A pull presents the handle's lease token and, with a cluster secret, the proof that this process holds it.
/// </summary>
public sealed class TcpKvTransport : IKvTransport, IDisposable
{
    // Enough idle connections for the layer groups of a few sequences pulled at once; more are closed after use.
    private const int IdleConnectionsPerEndpoint = 16;

    private readonly ConcurrentDictionary<string, ConcurrentBag<Socket>> _idle = new();
    private readonly KvTransportOptions _options;
    private readonly ILogger<TcpKvTransport> _logger;
    private readonly KvPeerKey? _peerKey;
    private bool _disposed;

    private readonly KvPageOutbox _outbox;

    /// <param name="outbox">This silo's outbox: what it offers, its <see cref="KvDataPlaneServer"/> serves.</param>
    public TcpKvTransport(KvPageOutbox outbox, IOptions<KvTransportOptions> options, ILogger<TcpKvTransport> logger)
    {
        _outbox = outbox;
        _options = options.Value;
        _logger = logger;
        if (_options.ChunkBytes <= 0) throw new ArgumentOutOfRangeException(nameof(options), _options.ChunkBytes, "ChunkBytes must be positive");
        _peerKey = KvPeerKey.From(_options);
    }

    public KvTransportKind Kind => KvTransportKind.Tcp;

    /// <summary>The producer's data plane releases the lease once the receiver acknowledges the last byte.</summary>
    public bool PullEndsLease => true;

    /// <summary>The blocks stay pinned in the pool, where the data plane reads them straight into the socket.</summary>
    public KvPageHandle Offer(KvPageOffer offer, KvBlockExport export) => _outbox.Lease(offer, export, Kind);

    public async Task<long> PullAsync(KvPageHandle handle, IKvImportTarget target, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var endpoint = handle.Source.DataPlaneEndpoint;
        while (true)
        {
            var (socket, pooled) = await RentAsync(endpoint, cancellationToken);
            bool reusable = false;
            try
            {
                var stale = await PullOnAsync(socket, handle, target, pooled, cancellationToken, () => reusable = true);
                if (stale) continue; // the server closed this idle connection (it restarted or stopped): dial again
                return handle.ByteLength;
            }
            finally
            {
                if (reusable) Return(endpoint, socket);
                else socket.Dispose();
            }
        }
    }

    /// <summary>One pull on one connection. Stale is true when a pooled connection turned out closed before any reply.</summary>
    private async Task<bool> PullOnAsync(Socket socket, KvPageHandle handle, IKvImportTarget target, bool pooled,
                                         CancellationToken ct, Action reusable)
    {
        var frame = new byte[Math.Max(PullLength, HeaderLength)];
        WritePull(frame, handle.LeaseId, handle.LeaseExpiresUtc.Ticks, handle.LeaseToken, _peerKey);
        try
        {
            await SendAllAsync(socket, frame.AsMemory(0, PullLength), ct);
            if (!await ReceiveExactlyAsync(socket, frame.AsMemory(0, HeaderLength), HeaderLength, ct))
            {
                if (pooled) return true;
                throw new IOException($"KV data plane {handle.Source.DataPlaneEndpoint} closed the connection before answering the pull of lease {handle.LeaseId}");
            }
        }
        catch (SocketException e) when (pooled && e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown or SocketError.ConnectionAborted)
        {
            _logger.LogDebug(e, "Pooled data-plane connection to {Endpoint} was closed; reconnecting", handle.Source.DataPlaneEndpoint);
            return true;
        }

        var (status, length) = ReadHeader(frame);
        if (status != Status.Ok)
        {
            var text = new byte[checked((int)length)];
            await ReceiveExactlyAsync(socket, text, _options.ChunkBytes, ct);
            var message = Encoding.UTF8.GetString(text);
            // After Refused the server closes the connection.
            if (status == Status.Refused)
                throw new UnauthorizedAccessException($"KV data plane {handle.Source.DataPlaneEndpoint} refused the pull of lease {handle.LeaseId} of sequence {handle.SequenceId}: {message}");
            reusable();
            if (status == Status.LeaseUnknown)
                throw new KvLeaseNotFoundException(handle.LeaseId, $"KV lease {handle.LeaseId} of sequence {handle.SequenceId} (epoch {handle.Epoch}) cannot be pulled: {message}");
            throw new IOException($"KV data plane {handle.Source.DataPlaneEndpoint} failed the pull of lease {handle.LeaseId}: {message}");
        }
        if (length != handle.ByteLength)
            throw new InvalidDataException($"KV data plane {handle.Source.DataPlaneEndpoint} offers {length} bytes for lease {handle.LeaseId}, the handle says {handle.ByteLength}");

        var descriptor = handle.ToDescriptor();
        target.BeginWrite(descriptor);
        try
        {
            var blocks = target.Blocks.Take(descriptor.BlockCount).ToArray();
            if (!await KvBlockSocket.ReceiveAsync(socket, target.Memory, blocks, handle.LayerStart, handle.LayerCount, _options.ChunkBytes,
                                                  n => KvTransferMetrics.TcpReceivedBytes.Add(n), ct))
                throw new EndOfStreamException($"KV data plane {handle.Source.DataPlaneEndpoint} closed the pull of lease {handle.LeaseId} before its last byte");
        }
        finally
        {
            target.EndWrite();
        }
        frame[0] = Ack;
        await SendAllAsync(socket, frame.AsMemory(0, 1), ct);
        reusable();
        return false;
    }

    private async Task<(Socket Socket, bool Pooled)> RentAsync(string endpoint, CancellationToken ct)
    {
        if (_idle.TryGetValue(endpoint, out var bag) && bag.TryTake(out var idle)) return (idle, true);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            Configure(socket);
            await socket.ConnectAsync(NetworkEndpoint.Parse(endpoint, "data-plane endpoint"), ct);
            return (socket, false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Return(string endpoint, Socket socket)
    {
        var bag = _idle.GetOrAdd(endpoint, _ => []);
        if (_disposed || bag.Count >= IdleConnectionsPerEndpoint) socket.Dispose();
        else bag.Add(socket);
    }

    public void Dispose()
    {
        _disposed = true;
        foreach (var bag in _idle.Values)
            while (bag.TryTake(out var socket)) socket.Dispose();
    }
}
