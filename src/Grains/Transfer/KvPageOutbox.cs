using System.Collections.Concurrent;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// The producing worker's lease store: every offered layer group of KV pages has exactly one owner here until it is
/// pulled, released or reclaimed at lease expiry (DESIGN rule 5). Thread-safe: offers come from the engine side,
/// takes and releases from grains and data-plane connections, expiry from a timer.
/// </summary>
public sealed class KvPageOutbox : IDisposable
{
    // Every live outbox of this process by its data-plane endpoint. One silo per process is the norm, but a test
    // cluster runs several silos in one process: the in-process transport must find the producer's outbox, not its own.
    private static readonly ConcurrentDictionary<string, KvPageOutbox> InProcess = new();

    private readonly ConcurrentDictionary<long, KvPageLease> _leases = new();
    private readonly KvTransportOptions _options;
    private readonly ILogger<KvPageOutbox> _logger;
    private readonly TimeProvider _time;
    private readonly ITimer _expiry;
    private readonly KvLeaseSigner _signer = new();
    private long _nextLeaseId;
    private KvPoolDescriptor? _pool;
    private long _activeBytes;
    private long _expiredLeases;
    private bool _disposed;

    public KvPageOutbox(KvPageLocation location, IOptions<KvTransportOptions> options, ILogger<KvPageOutbox> logger, TimeProvider? timeProvider = null)
    {
        Location = location;
        _options = options.Value;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        // Lease ids start at a random point so a handle that outlived a restarted worker cannot name a new lease.
        _nextLeaseId = Random.Shared.NextInt64(1, long.MaxValue / 2);
        // Sweep several times per lease period so a lease outlives its expiry by at most a quarter of it.
        var period = TimeSpan.FromTicks(Math.Clamp(_options.LeaseTimeout.Ticks / 4, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromSeconds(1).Ticks));
        _expiry = _time.CreateTimer(_ => SweepSafely(), null, period, period);
        InProcess[location.DataPlaneEndpoint] = this;
    }

    /// <summary>The outbox of this process that advertises <paramref name="location"/>, if there is one.</summary>
    public static KvPageOutbox? InThisProcess(KvPageLocation location) =>
        location.ProcessId == Environment.ProcessId && InProcess.TryGetValue(location.DataPlaneEndpoint, out var outbox) ? outbox : null;

    /// <summary>Where this outbox's pages live: copied into every handle so the puller can reach them.</summary>
    public KvPageLocation Location { get; }

    public int ActiveLeases => _leases.Count;
    public long ActiveBytes => Interlocked.Read(ref _activeBytes);
    public long ExpiredLeases => Interlocked.Read(ref _expiredLeases);

    /// <summary>
    /// Takes ownership of <paramref name="export"/> (its pinned blocks) and holds it under a new lease until pulled,
    /// released or expired; the handle names the pool, the blocks and the layer range.
    /// </summary>
    public KvPageHandle Lease(KvPageOffer offer, KvBlockExport export, KvTransportKind transport)
    {
        if (_disposed)
        {
            export.Release(); // ownership passed with the call, whatever its outcome
            throw new ObjectDisposedException(nameof(KvPageOutbox));
        }
        long leaseId = Interlocked.Increment(ref _nextLeaseId);
        var d = export.Descriptor;
        var expires = _time.GetUtcNow().UtcDateTime + _options.LeaseTimeout;
        var handle = new KvPageHandle
        {
            SequenceId = offer.SequenceId, LeaseId = leaseId, Epoch = offer.Epoch, Transport = transport, Source = Location,
            LayerStart = d.LayerStart, LayerCount = d.LayerCount, TotalLayers = d.TotalLayers,
            LayerGroups = offer.LayerGroups, TokenCount = d.TokenCount, BlockSize = d.BlockSize, KvHeads = d.KvHeads,
            HeadDim = d.HeadDim, DType = d.DType, ByteLength = d.ByteLength,
            LeaseExpiresUtc = expires, WorkerId = offer.WorkerId, LeaseToken = _signer.Sign(leaseId, expires),
            Pool = DescribeOnce(export.Pool), BlockIds = [.. export.Blocks],
        };
        var lease = new KvPageLease(handle, export);
        _leases[leaseId] = lease;
        Interlocked.Add(ref _activeBytes, handle.ByteLength);
        // Disposed meanwhile: its sweep of the leases may have run before this one was added, and nothing else would free it.
        if (_disposed && Forget(lease))
        {
            lease.Retire();
            throw new ObjectDisposedException(nameof(KvPageOutbox));
        }
        return handle;
    }

    /// <summary>The pool's descriptor, made once per pool: a worker publishes its pool once, handles refer to it.</summary>
    private KvPoolDescriptor DescribeOnce(KvPool pool)
    {
        var known = _pool;
        if (known is not null && known.PoolId == pool.Id) return known;
        return _pool = KvPoolDescriptors.Describe(pool, Location);
    }

    /// <summary>
    /// An in-process reader's access to a lease's pinned blocks (the producer's pool is in this process): pair with
    /// <see cref="KvPageLease.EndRead"/>. Null when the lease is gone.
    /// </summary>
    internal KvPageLease? TryBeginLocalRead(long leaseId) =>
        _leases.TryGetValue(leaseId, out var lease) && lease.TryBeginRead() ? lease : null;

    /// <summary>Ends a lease and unpins its blocks. Releasing an unknown or ended lease does nothing.</summary>
    public void Release(long leaseId)
    {
        if (_leases.TryGetValue(leaseId, out var lease) && Forget(lease)) lease.Retire();
    }

    /// <summary>
    /// The data plane's admission of a pull: the token must be this outbox's for the lease id and expiry the puller sent
    /// (else <see cref="KvPullRefusal.Forged"/>), the expiry must lie ahead (<see cref="KvPullRefusal.Expired"/>) and the
    /// lease must still be held (<see cref="KvPullRefusal.Unknown"/>: pulled, released or reclaimed). On success a reader of
    /// the lease's in-memory pages is registered: pair with <see cref="KvPageLease.EndRead"/>.
    /// </summary>
    internal KvPageLease? TryBeginRead(long leaseId, long expiresTicks, ReadOnlySpan<byte> token, out KvPullRefusal refusal)
    {
        if (!_signer.Verify(leaseId, expiresTicks, token)) refusal = KvPullRefusal.Forged;
        else if (expiresTicks <= _time.GetUtcNow().UtcDateTime.Ticks) refusal = KvPullRefusal.Expired;
        else if (_leases.TryGetValue(leaseId, out var lease) && lease.TryBeginRead())
        {
            refusal = KvPullRefusal.None;
            return lease;
        }
        else refusal = KvPullRefusal.Unknown;
        return null;
    }

    private bool Forget(KvPageLease lease)
    {
        if (!_leases.TryRemove(new KeyValuePair<long, KvPageLease>(lease.LeaseId, lease))) return false;
        Interlocked.Add(ref _activeBytes, -lease.Handle.ByteLength);
        return true;
    }

    // An exception escaping a timer callback would end the process; a failed sweep is retried by the next one.
    private void SweepSafely()
    {
        try { Sweep(); }
        catch (Exception e) { _logger.LogError(e, "KV lease expiry sweep failed"); }
    }

    private void Sweep()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        foreach (var lease in _leases.Values)
        {
            // A data-plane pull in progress is not abandoned: it releases the lease itself, or the next sweep reclaims it.
            // A same-host consumer copying from a mapped pool is not seen here: it checks the expiry after its copy.
            if (lease.Handle.LeaseExpiresUtc > now || lease.HasReaders) continue;
            if (!Forget(lease)) continue;
            lease.Retire();
            Interlocked.Increment(ref _expiredLeases);
            _logger.LogWarning("KV lease {LeaseId} of sequence {SequenceId} (epoch {Epoch}, layers {LayerStart}+{LayerCount}, {Bytes} bytes, {Transport}) expired unpulled and was reclaimed",
                lease.LeaseId, lease.Handle.SequenceId, lease.Handle.Epoch, lease.Handle.LayerStart, lease.Handle.LayerCount, lease.Handle.ByteLength, lease.Handle.Transport);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        InProcess.TryRemove(new KeyValuePair<string, KvPageOutbox>(Location.DataPlaneEndpoint, this));
        _expiry.Dispose();
        foreach (var lease in _leases.Values)
            if (Forget(lease)) lease.Retire();
    }
}
