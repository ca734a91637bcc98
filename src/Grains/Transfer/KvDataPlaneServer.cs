using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dynamo.Orleans.Grains.Diagnostics;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Dynamo.Orleans.Grains.Transfer.KvDataPlaneProtocol;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// The producing worker's TCP listener: serves pulls of its outbox's leases with the protocol of
/// <see cref="KvDataPlaneProtocol"/>, one task per connection, many connections at once.
/// Binding (<see cref="Listen"/>) comes before serving (<see cref="Start"/>) because the outbox advertises the bound
/// endpoint in every handle, and with port 0 that endpoint exists only once the socket is bound.
/// <code>
/// await using var dataPlane = new KvDataPlaneServer(options, logger);
/// using var outbox = new KvPageOutbox(dataPlane.Listen(), options, outboxLogger);
/// dataPlane.Start(outbox);
/// </code>
/// </summary>
public sealed class KvDataPlaneServer : IAsyncDisposable
{
    private readonly KvTransportOptions _options;
    private readonly ILogger<KvDataPlaneServer> _logger;
    private readonly KvPeerKey? _peerKey;
    private readonly ConcurrentDictionary<long, Task> _connections = new();
    // Stopping ends the accept loop and idle connections; aborting also cuts pulls in flight (a stop that ran out of time).
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _aborting = new();
    private Socket? _listener;
    private KvPageOutbox? _outbox;
    private Task _acceptLoop = Task.CompletedTask;
    private long _connectionIds;
    private int _stopped;

    public KvDataPlaneServer(IOptions<KvTransportOptions> options, ILogger<KvDataPlaneServer> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (_options.ChunkBytes <= 0) throw new ArgumentOutOfRangeException(nameof(options), _options.ChunkBytes, "ChunkBytes must be positive");
        _peerKey = KvPeerKey.From(_options);
    }

    /// <summary>The bound "host:port" peers pull from; set by <see cref="Listen"/>.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>This process as a page location: host id (the machine name unless set), process id and the bound data-plane endpoint.</summary>
    public KvPageLocation Location => _listener is null
        ? throw new InvalidOperationException("The data plane is not listening yet: call Listen or Start first")
        : new(_options.HostId is { Length: > 0 } hostId ? hostId : Environment.MachineName, Environment.ProcessId, Endpoint);

    public int ActiveConnections => _connections.Count;

    /// <summary>Binds DataPlaneAddress:DataPlanePort (the OS picks the port when it is 0) and returns this process's location.</summary>
    public KvPageLocation Listen()
    {
        if (_listener is not null) return Location;
        var address = IPAddress.TryParse(_options.DataPlaneAddress, out var ip) ? ip : Dns.GetHostAddresses(_options.DataPlaneAddress)[0];
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(address, _options.DataPlanePort));
            listener.Listen(512);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        Endpoint = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{_options.DataPlaneAddress.Trim('[', ']')}]:{port}" : $"{_options.DataPlaneAddress}:{port}";
        _listener = listener;
        _logger.LogInformation("KV data plane listening on {Endpoint}", Endpoint);
        if (_peerKey is null && !IPAddress.IsLoopback(address))
            _logger.LogWarning("KV data plane listens on {Endpoint}, beyond this host, without a cluster secret: lease tokens stop anyone who merely reaches the port, " +
                               "but a process that learns a KV handle through Orleans (whose messaging authenticates nobody) can pull its pages. " +
                               "Give every silo the same --cluster-secret (or DYNAMO_CLUSTER_SECRET)", Endpoint);
        return Location;
    }

    /// <summary>Starts serving pulls of <paramref name="outbox"/>'s leases (binding first if <see cref="Listen"/> was not called).</summary>
    public void Start(KvPageOutbox outbox)
    {
        if (_outbox is not null) throw new InvalidOperationException("The data plane is already serving an outbox");
        Listen();
        if (outbox.Location.DataPlaneEndpoint != Endpoint)
            throw new InvalidOperationException($"The outbox advertises data-plane endpoint {outbox.Location.DataPlaneEndpoint} but this data plane listens on {Endpoint}: its handles would send pullers elsewhere");
        _outbox = outbox;
        _acceptLoop = AcceptLoopAsync(_listener!, outbox);
    }

    /// <summary>Stops accepting and ends idle connections; pulls in flight finish unless <paramref name="cancellationToken"/> fires first.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        _stopping.Cancel();
        _listener?.Dispose();
        await _acceptLoop;
        using (cancellationToken.Register(_aborting.Cancel))
            await Task.WhenAll(_connections.Values);
        // Every connection has ended; their removal continuations may not have run yet, so forget them here.
        foreach (var (id, connection) in _connections)
            if (connection.IsCompleted) _connections.TryRemove(id, out _);
        _logger.LogInformation("KV data plane on {Endpoint} stopped", Endpoint);
    }

    private async Task AcceptLoopAsync(Socket listener, KvPageOutbox outbox)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception e) when (_stopping.IsCancellationRequested && e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // One failed accept (a peer that reset during the handshake) must not end the listener.
                _logger.LogDebug(e, "KV data plane accept failed");
                continue;
            }
            Configure(socket);
            long id = Interlocked.Increment(ref _connectionIds);
            var connection = ServeConnectionAsync(socket, outbox);
            _connections[id] = connection;
            // Registered after the add, so a connection that already ended is still removed.
            _ = connection.ContinueWith(_ => _connections.TryRemove(id, out Task? _), TaskScheduler.Default);
        }
    }

    private async Task ServeConnectionAsync(Socket socket, KvPageOutbox outbox)
    {
        await Task.Yield(); // off the accept loop
        var request = new byte[PullLength];
        var header = new byte[HeaderLength];
        var ack = new byte[1];
        try
        {
            // Idle between pulls: a stop ends the connection here. The magic comes first and alone, so a peer of another
            // protocol version (whose PULL is shorter) gets an answer instead of a server waiting for bytes that never come.
            while (await ReceiveExactlyAsync(socket, request.AsMemory(0, MagicLength), MagicLength, _stopping.Token))
            {
                if (!IsPull(request))
                {
                    // Unread bytes at close turn the FIN into a reset that may overtake the answer: take what already came.
                    if (socket.Available > 0) socket.Receive(new byte[socket.Available]);
                    await RefuseAsync(socket, header, KvPullRefusal.Protocol, 0,
                        $"The KV data plane at {Endpoint} speaks KVP2 (lease tokens): this peer sent no KVP2 pull; is it an older build?");
                    return;
                }
                if (!await ReceiveExactlyAsync(socket, request.AsMemory(MagicLength), PullLength, _stopping.Token))
                    throw new EndOfStreamException("Data-plane peer closed the connection inside a pull request");
                var (leaseId, expiresTicks, token, proof) = ReadPull(request);
                if (_peerKey is not null && !_peerKey.Verify(token.Span, proof.Span))
                {
                    await RefuseAsync(socket, header, KvPullRefusal.Unauthenticated, leaseId,
                        $"The KV data plane at {Endpoint} refuses the pull of lease {leaseId}: the puller did not prove it holds this cluster's secret (--cluster-secret differs or is missing)");
                    return;
                }
                var lease = outbox.TryBeginRead(leaseId, expiresTicks, token.Span, out var refusal);
                if (refusal == KvPullRefusal.Forged)
                {
                    await RefuseAsync(socket, header, KvPullRefusal.Forged, leaseId,
                        $"The KV data plane at {Endpoint} refuses the pull of lease {leaseId}: its token was not issued here for that lease");
                    return;
                }
                if (lease is null)
                {
                    // Expired or gone: honest peers meet these too (a handoff abandoned and retried), so the connection serves on.
                    await RefuseAsync(socket, header, refusal, leaseId, refusal == KvPullRefusal.Expired
                        ? $"KV lease {leaseId} is not held by the data plane at {Endpoint}: it expired at {new DateTime(expiresTicks, DateTimeKind.Utc):O}"
                        : $"KV lease {leaseId} is not held by the data plane at {Endpoint}: it expired, was already pulled or was released");
                    continue;
                }
                bool acknowledged;
                try
                {
                    acknowledged = await SendPagesAsync(socket, header, ack, lease);
                }
                finally
                {
                    lease.EndRead();
                }
                if (!acknowledged) return;
                outbox.Release(leaseId);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // The peer went away or cancelled mid-pull, or the stop ran out of time: the lease stays pullable until it expires.
            _logger.LogDebug(e, "KV data plane connection from {Peer} ended", SafeRemote(socket));
        }
        catch (Exception e)
        {
            _logger.LogError(e, "KV data plane connection from {Peer} failed", SafeRemote(socket));
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>Counts a refused pull and answers it: LeaseUnknown for an expired or gone lease, Refused (the caller then closes) otherwise.</summary>
    private async Task RefuseAsync(Socket socket, byte[] header, KvPullRefusal refusal, long leaseId, string message)
    {
        FabricMetrics.DataPlaneRefusals.Add(1, new KeyValuePair<string, object?>("reason", ReasonTag(refusal)));
        if (refusal is KvPullRefusal.Expired or KvPullRefusal.Unknown)
        {
            _logger.LogDebug("KV data plane refused a pull of lease {LeaseId} from {Peer}: {Reason}", leaseId, SafeRemote(socket), ReasonTag(refusal));
            await SendMessageAsync(socket, header, Status.LeaseUnknown, message);
            return;
        }
        // Not something an honest peer of this cluster does: worth a line in the log, and the connection ends.
        _logger.LogWarning("KV data plane refused a pull of lease {LeaseId} from {Peer} and closed the connection: {Reason}", leaseId, SafeRemote(socket), ReasonTag(refusal));
        await SendMessageAsync(socket, header, Status.Refused, message);
    }

    private static string ReasonTag(KvPullRefusal refusal) => refusal switch
    {
        KvPullRefusal.Forged => "forged",
        KvPullRefusal.Expired => "expired",
        KvPullRefusal.Unknown => "unknown",
        KvPullRefusal.Unauthenticated => "unauthenticated",
        KvPullRefusal.Protocol => "protocol",
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "Not a refusal"),
    };

    private async Task<bool> SendPagesAsync(Socket socket, byte[] header, byte[] ack, KvPageLease lease)
    {
        var ct = _aborting.Token;
        var export = lease.Export;
        var d = export.Descriptor;
        WriteHeader(header, Status.Ok, d.ByteLength);
        await SendAllAsync(socket, header, ct);
        await KvBlockSocket.SendAsync(socket, export.Pool, export.Blocks, d.LayerStart, d.LayerCount, _options.ChunkBytes,
                                      n => KvTransferMetrics.DataPlaneSentBytes.Add(n), ct);
        return await ReceiveExactlyAsync(socket, ack, 1, ct) && ack[0] == Ack;
    }

    private async Task SendMessageAsync(Socket socket, byte[] header, Status status, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        WriteHeader(header, status, text.Length);
        await SendAllAsync(socket, header, _aborting.Token);
        await SendAllAsync(socket, text, _aborting.Token);
    }

    private static string SafeRemote(Socket socket)
    {
        try { return socket.RemoteEndPoint?.ToString() ?? "?"; }
        catch (ObjectDisposedException) { return "?"; }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(new CancellationToken(canceled: true));
        _listener?.Dispose();
        _stopping.Dispose();
        _aborting.Dispose();
    }
}
