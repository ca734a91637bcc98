using System.Collections.Concurrent;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Logging;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// The pools of other workers on this host, mapped into this process once per pool and kept: a decode worker pulls
/// every handoff from the same few prefill workers. A pool whose file is gone (its worker stopped; a restarted worker
/// makes a new pool) is forgotten at its next use, which fails as a lease that no longer exists, and unmapped once no
/// copy uses it any more — never under a copy.
/// </summary>
public sealed partial class KvPeerPools(ILogger<KvPeerPools> logger) : IDisposable
{
    internal sealed class Mapped(IKvPoolMapping memory)
    {
        public IKvPoolMapping Memory { get; } = memory;
        public int Users;
        public bool Forgotten;
    }

    /// <summary>One copy's use of a mapped pool: dispose it when the copy is done.</summary>
    public sealed class Use : IDisposable
    {
        private readonly KvPeerPools _owner;
        private Mapped? _mapped;

        internal Use(KvPeerPools owner, Mapped mapped)
        {
            _owner = owner;
            _mapped = mapped;
        }

        public IKvBlockMemory Memory => _mapped?.Memory ?? throw new ObjectDisposedException(nameof(Use));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _mapped, null) is { } m) _owner.Leave(m);
        }
    }

    private readonly object _gate = new();
    private readonly Dictionary<string, Mapped> _mapped = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _opening = new();

    public int Count { get { lock (_gate) return _mapped.Count; } }

    /// <summary>The peer's pool, mapped here (the first use maps it). Throws <see cref="KvLeaseNotFoundException"/> when it no longer exists.</summary>
    public Use Map(KvPoolDescriptor pool, long leaseId)
    {
        if (pool.Access == KvPoolDescriptor.SharedMemory && !File.Exists(pool.Path))
        {
            Forget(pool.PoolId);
            throw new KvLeaseNotFoundException(leaseId, $"KV pool {pool.PoolId} of process {pool.ProcessId} is gone ({pool.Path} no longer exists): its worker stopped");
        }
        if (TryEnter(pool.PoolId) is { } use) return use;
        var opening = _opening.GetOrAdd(pool.PoolId, _ => new SemaphoreSlim(1, 1));
        opening.Wait();
        try
        {
            if (TryEnter(pool.PoolId) is { } again) return again;
            IKvPoolMapping memory;
            try
            {
                memory = Open(pool);
            }
            catch (FileNotFoundException e)
            {
                throw new KvLeaseNotFoundException(leaseId, $"KV pool {pool.PoolId} of process {pool.ProcessId} is gone: {e.Message}", e);
            }
            var mapped = new Mapped(memory) { Users = 1 };
            lock (_gate) _mapped[pool.PoolId] = mapped;
            return new Use(this, mapped);
        }
        finally { opening.Release(); }
    }

    private Use? TryEnter(string poolId)
    {
        lock (_gate)
        {
            if (!_mapped.TryGetValue(poolId, out var mapped)) return null;
            mapped.Users++;
            return new Use(this, mapped);
        }
    }

    private void Leave(Mapped mapped)
    {
        bool unmap;
        lock (_gate) unmap = --mapped.Users == 0 && mapped.Forgotten;
        if (unmap) mapped.Memory.Dispose();
    }

    private IKvPoolMapping Open(KvPoolDescriptor pool)
    {
        var layout = KvPoolDescriptors.LayoutOf(pool);
        var kind = pool.Access switch
        {
            KvPoolDescriptor.SharedMemory => KvPoolKind.SharedMemory,
            KvPoolDescriptor.CudaIpc => KvPoolKind.CudaIpc,
            _ => KvPoolKind.Private,
        };
        var mapping = KvPoolMapping.Open(kind, pool.Path, pool.CudaIpcHandle, pool.CudaIpcOffset, layout, pool.Device);
        LogMapped(logger, pool.PoolId, pool.ProcessId, pool.Access, layout.ByteLength >> 20);
        return mapping;
    }

    private void Forget(string poolId)
    {
        Mapped? unmap = null;
        lock (_gate)
        {
            if (!_mapped.Remove(poolId, out var mapped)) return;
            mapped.Forgotten = true;
            if (mapped.Users == 0) unmap = mapped;
        }
        unmap?.Memory.Dispose();
        LogForgotten(logger, poolId);
    }

    public void Dispose()
    {
        List<string> ids;
        lock (_gate) ids = [.. _mapped.Keys];
        foreach (var id in ids) Forget(id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Mapped KV pool {PoolId} of process {ProcessId} ({Access}, {MiB} MiB)")]
    private static partial void LogMapped(ILogger logger, string poolId, int processId, string access, long miB);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unmapping KV pool {PoolId}: its worker stopped")]
    private static partial void LogForgotten(ILogger logger, string poolId);
}
