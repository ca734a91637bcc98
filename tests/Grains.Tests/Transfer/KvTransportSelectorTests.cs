using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

public sealed class KvTransportSelectorTests
{
    private static readonly KvPageLocation Prefill = new("gpu-node-1", 100, "10.0.0.1:7000");

    private static KvTransportSelector Selector(KvTransportKind? force = null, params IKvTransport[] transports) =>
        new(transports, Options.Create(new KvTransportOptions { ForceTransport = force }));

    [Fact]
    public void Locality_decides_the_transport()
    {
        var selector = Selector();
        Assert.Equal(KvTransportKind.InProcess, selector.Choose(Prefill, Prefill with { DataPlaneEndpoint = "10.0.0.1:7001" }, true));
        Assert.Equal(KvTransportKind.InProcess, selector.Choose(Prefill, Prefill with { HostName = "GPU-NODE-1" }, false));
        Assert.Equal(KvTransportKind.SharedMemory, selector.Choose(Prefill, Prefill with { ProcessId = 200 }, true));
        // A private pool (the host had no room in /dev/shm) cannot be mapped: same-host peers use the data plane.
        Assert.Equal(KvTransportKind.Tcp, selector.Choose(Prefill, Prefill with { ProcessId = 200 }, false));
        Assert.Equal(KvTransportKind.Tcp, selector.Choose(Prefill, new KvPageLocation("gpu-node-2", 100, "10.0.0.2:7000"), true));
    }

    [Theory]
    [InlineData(KvTransportKind.Tcp)]
    [InlineData(KvTransportKind.SharedMemory)]
    [InlineData(KvTransportKind.InProcess)]
    public void Force_transport_overrides_locality(KvTransportKind force)
    {
        var selector = Selector(force);
        Assert.Equal(force, selector.Choose(Prefill, Prefill, true));
        Assert.Equal(force, selector.Choose(Prefill, Prefill with { ProcessId = 200 }, true));
        Assert.Equal(force, selector.Choose(Prefill, new KvPageLocation("elsewhere", 1, "10.0.0.9:1"), false));
    }

    [Fact]
    public void A_handle_whose_transport_is_not_registered_is_a_clear_error()
    {
        using var outbox = Outbox();
        using var peers = new KvPeerPools(Microsoft.Extensions.Logging.Abstractions.NullLogger<KvPeerPools>.Instance);
        var shared = new SharedMemoryKvTransport(outbox, peers);
        var selector = Selector(null, shared);
        var handle = Handle(KvTransportKind.Tcp);
        Assert.Same(shared, selector.Resolve(handle with { Transport = KvTransportKind.SharedMemory }));
        var error = Assert.Throws<InvalidOperationException>(() => selector.Resolve(handle));
        Assert.Contains("Tcp", error.Message);
        Assert.Contains("42", error.Message);
    }

    [Fact]
    public async Task The_in_process_transport_refuses_a_handle_from_another_process()
    {
        using var outbox = Outbox();
        var transport = new InProcessKvTransport(outbox);
        var handle = Handle(KvTransportKind.InProcess) with { Source = outbox.Location with { ProcessId = Environment.ProcessId + 1 } };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => transport.PullAsync(handle, null!, CancellationToken.None));
        Assert.Contains("42", error.Message);
    }

    private static KvPageOutbox Outbox() =>
        new(new KvPageLocation(Environment.MachineName, Environment.ProcessId, "127.0.0.1:1"),
            Options.Create(new KvTransportOptions()), Microsoft.Extensions.Logging.Abstractions.NullLogger<KvPageOutbox>.Instance);

    private static KvPageHandle Handle(KvTransportKind transport) => new()
    {
        SequenceId = "seq", LeaseId = 42, Epoch = 0, Transport = transport, Source = Prefill, LayerStart = 0, LayerCount = 1,
        TotalLayers = 1, LayerGroups = 1, TokenCount = 1, BlockSize = 16, KvHeads = 1, HeadDim = 8, DType = "float32",
        ByteLength = 2 * 16 * 8 * 4, LeaseExpiresUtc = DateTime.UtcNow.AddMinutes(1), WorkerId = "w",
        Pool = new KvPoolDescriptor("pool", "gpu-node-1", 100, KvPoolDescriptor.Private, "layer,kv,block,token,head,dim", 1, 4, 16, 1, 8, "float32", null, null, 0, 0),
        BlockIds = [0],
    };
}
