using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>
/// One producing worker and one consumer in the test process: an outbox served by a real data-plane listener on
/// 127.0.0.1 (ephemeral port), the three transports and the selector. Offered pages live in registered (tmpfs) pools in
/// a private folder, at scattered block ids; pulls land in a private consumer pool at other scattered ids, and the test
/// compares the bytes in travelling order.
/// </summary>
internal sealed class KvTransferRig : IAsyncDisposable
{
    private readonly List<KvPool> _pools = new();

    private KvTransferRig(KvTransportOptions options, TimeProvider? time, string poolDirectory)
    {
        Options = options;
        PoolDirectory = poolDirectory;
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        DataPlane = new KvDataPlaneServer(wrapped, NullLogger<KvDataPlaneServer>.Instance);
        Outbox = new KvPageOutbox(DataPlane.Listen(), wrapped, NullLogger<KvPageOutbox>.Instance, time);
        DataPlane.Start(Outbox);
        Peers = new KvPeerPools(NullLogger<KvPeerPools>.Instance);
        InProcess = new InProcessKvTransport(Outbox);
        SharedMemory = new SharedMemoryKvTransport(Outbox, Peers);
        Tcp = new TcpKvTransport(Outbox, wrapped, NullLogger<TcpKvTransport>.Instance);
        Selector = new KvTransportSelector([InProcess, SharedMemory, Tcp], wrapped);
    }

    public KvTransportOptions Options { get; }
    public string PoolDirectory { get; }
    public KvDataPlaneServer DataPlane { get; }
    public KvPageOutbox Outbox { get; }
    public KvPeerPools Peers { get; }
    public InProcessKvTransport InProcess { get; }
    public SharedMemoryKvTransport SharedMemory { get; }
    public TcpKvTransport Tcp { get; }
    public KvTransportSelector Selector { get; }

    /// <param name="time">The outbox's clock: what lease expiry and the data plane's expiry check read.</param>
    public static KvTransferRig Start(Action<KvTransportOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new KvTransportOptions();
        var directory = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"dynamo-kv-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        configure?.Invoke(options);
        return new KvTransferRig(options, time, directory);
    }

    /// <summary>An offered layer group: the pinned blocks, the bytes they hold in travelling order, and whether the pin was released.</summary>
    public sealed class Pages(KvBlockExport export, byte[] bytes, Func<bool> unpinned)
    {
        public KvBlockExport Export { get; } = export;
        public KvPageDescriptor Descriptor => Export.Descriptor;
        public byte[] Bytes { get; } = bytes;
        public bool Unpinned => unpinned();
    }

    /// <summary>
    /// Random KV for <paramref name="tokens"/> tokens over <paramref name="layers"/> layers, in a registered pool of its own,
    /// at block ids that make runs and breaks (the copy must follow the ids, not assume them consecutive).
    /// </summary>
    public Pages RandomPages(string dtype, int tokens, int layers, int kvHeads, int headDim, int seed = 1, bool registered = true)
    {
        var descriptor = new KvPageDescriptor(tokens, BlockSize: 16, LayerStart: 0, layers, TotalLayers: layers, kvHeads, headDim, dtype);
        int count = descriptor.BlockCount;
        var layout = new KvPoolLayout(layers, 2 * count + 3, 16, kvHeads, headDim, descriptor.ScalarType);
        KvPool pool = registered ? SharedMemoryKvPool.Create(layout, PoolDirectory) : new PrivateKvPool(layout, torch.CPU);
        lock (_pools) _pools.Add(pool);
        using (var random = torch.randn(layout.Shape, layout.DType, generator: new torch.Generator((ulong)seed))) pool.Storage.copy_(random);
        var blocks = Scattered(count, layout.Blocks);
        int released = 0;
        var export = new KvBlockExport(descriptor, blocks, pool, () => Interlocked.Increment(ref released));
        return new Pages(export, Read(pool, blocks, descriptor), () => Volatile.Read(ref released) > 0);
    }

    public KvPageHandle Offer(Pages pages, KvTransportKind transport, string sequenceId = "seq-1") =>
        Transport(transport).Offer(new KvPageOffer(sequenceId, Epoch: 0, WorkerId: "prefill-0", LayerGroups: 1), pages.Export);

    /// <summary>Pulls into a fresh consumer pool (private, its own scattered blocks) and returns what landed, in travelling order.</summary>
    public async Task<byte[]> PullAsync(IKvTransport transport, KvPageHandle handle, CancellationToken cancellationToken = default)
    {
        var d = handle.ToDescriptor();
        var layout = new KvPoolLayout(d.TotalLayers, 3 * d.BlockCount + 1, d.BlockSize, d.KvHeads, d.HeadDim, d.ScalarType);
        using var pool = new PrivateKvPool(layout, torch.CPU);
        var target = new Target(pool, Scattered(d.BlockCount, layout.Blocks).Reverse().ToArray());
        await transport.PullAsync(handle, target, cancellationToken);
        Assert.Equal(0, target.Writers);
        return Read(pool, target.Blocks, d);
    }

    public IKvTransport Transport(KvTransportKind kind) => kind switch
    {
        KvTransportKind.InProcess => InProcess,
        KvTransportKind.SharedMemory => SharedMemory,
        _ => Tcp,
    };

    public string[] PoolFiles() => Directory.GetFiles(PoolDirectory);

    /// <summary>A consumer's reserved blocks, as a decode engine's reservation offers them.</summary>
    public sealed class Target(IKvBlockMemory memory, IReadOnlyList<int> blocks) : IKvImportTarget
    {
        private int _writers;
        public IKvBlockMemory Memory => memory;
        public IReadOnlyList<int> Blocks => blocks;
        public int Writers => Volatile.Read(ref _writers);
        public void BeginWrite(KvPageDescriptor descriptor) => Interlocked.Increment(ref _writers);
        public void EndWrite() => Interlocked.Decrement(ref _writers);
    }

    private static int[] Scattered(int count, int poolBlocks)
    {
        // The first half consecutive from 1, the rest from the end of the pool backwards.
        var ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = i < (count + 1) / 2 ? 1 + i : poolBlocks - 1 - (i - (count + 1) / 2);
        return ids;
    }

    private static unsafe byte[] Read(IKvBlockMemory pool, IReadOnlyList<int> blocks, KvPageDescriptor d)
    {
        var bytes = new byte[d.ByteLength];
        long at = 0;
        foreach (var (offset, length) in KvBlockRuns.Of(pool.Layout, blocks.Take(d.BlockCount).ToArray(), d.LayerStart, d.LayerCount))
        {
            new ReadOnlySpan<byte>((byte*)(pool.Address + (nint)offset), (int)length).CopyTo(bytes.AsSpan((int)at));
            at += length;
        }
        return bytes;
    }

    /// <summary>Waits for a condition the outbox's timer or a data-plane connection makes true, failing after <paramref name="timeout"/>.</summary>
    public static async Task Eventually(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Tcp.Dispose();
        await DataPlane.DisposeAsync();
        Outbox.Dispose();
        Peers.Dispose();
        lock (_pools) foreach (var pool in _pools) pool.Dispose();
        Directory.Delete(PoolDirectory, recursive: true);
    }
}
