using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>
/// One producing worker and one consumer in the test process: an outbox served by a real data-plane listener on
/// 127.0.0.1 (ephemeral port), the three transports and the selector, and a private shared-memory folder to inspect.
/// </summary>
internal sealed class KvTransferRig : IAsyncDisposable
{
    private KvTransferRig(KvTransportOptions options, TimeProvider? time)
    {
        Options = options;
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        DataPlane = new KvDataPlaneServer(wrapped, NullLogger<KvDataPlaneServer>.Instance);
        Outbox = new KvPageOutbox(DataPlane.Listen(), wrapped, NullLogger<KvPageOutbox>.Instance, time);
        DataPlane.Start(Outbox);
        InProcess = new InProcessKvTransport(Outbox);
        SharedMemory = new SharedMemoryKvTransport(Outbox, wrapped);
        Tcp = new TcpKvTransport(Outbox, wrapped, NullLogger<TcpKvTransport>.Instance);
        Selector = new KvTransportSelector([InProcess, SharedMemory, Tcp], wrapped);
    }

    public KvTransportOptions Options { get; }
    public KvDataPlaneServer DataPlane { get; }
    public KvPageOutbox Outbox { get; }
    public InProcessKvTransport InProcess { get; }
    public SharedMemoryKvTransport SharedMemory { get; }
    public TcpKvTransport Tcp { get; }
    public KvTransportSelector Selector { get; }

    /// <param name="time">The outbox's clock: what lease expiry and the data plane's expiry check read.</param>
    public static KvTransferRig Start(Action<KvTransportOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new KvTransportOptions();
        options.SharedMemoryDirectory = Path.Combine(options.SharedMemoryDirectory, $"dynamo-kv-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(options.SharedMemoryDirectory);
        configure?.Invoke(options);
        return new KvTransferRig(options, time);
    }

    public KvPageHandle Offer(KvPages pages, KvTransportKind transport, string sequenceId = "seq-1") =>
        Transport(transport).Offer(new KvPageOffer(sequenceId, Epoch: 0, WorkerId: "prefill-0", LayerGroups: 1), pages);

    public IKvTransport Transport(KvTransportKind kind) => kind switch
    {
        KvTransportKind.InProcess => InProcess,
        KvTransportKind.SharedMemory => SharedMemory,
        _ => Tcp,
    };

    public string[] SharedMemoryFiles() => Directory.GetFiles(Options.SharedMemoryDirectory);

    /// <summary>Random pages with <paramref name="layers"/> × 2 × ⌈tokens/16⌉ × 16 × <paramref name="kvHeads"/> × <paramref name="headDim"/> elements.</summary>
    public static KvPages RandomPages(string dtype, int tokens, int layers, int kvHeads, int headDim, int seed = 1)
    {
        var descriptor = new KvPageDescriptor(tokens, BlockSize: 16, LayerStart: 0, layers, TotalLayers: layers, kvHeads, headDim, dtype);
        var generator = new torch.Generator((ulong)seed);
        return new KvPages(descriptor, torch.randn(descriptor.Shape, descriptor.ScalarType, generator: generator));
    }

    /// <summary>A copy to compare against after the original changed owner.</summary>
    public static byte[] BytesOf(KvPages pages) => pages.Bytes.ToArray();

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
        Directory.Delete(Options.SharedMemoryDirectory, recursive: true);
    }
}
