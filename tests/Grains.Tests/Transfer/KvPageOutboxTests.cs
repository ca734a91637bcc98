using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Transfer;
using static Dynamo.Orleans.Grains.Tests.Transfer.KvTransferRig;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>DESIGN rule 5: every offered block has one owner and a lease; nothing stays pinned beyond it.</summary>
public sealed class KvPageOutboxTests
{
    [Fact]
    public async Task Leases_nobody_pulls_are_reclaimed_at_expiry_their_blocks_unpinned_and_pulling_them_then_names_the_lease()
    {
        await using var rig = Start(o => o.LeaseTimeout = TimeSpan.FromMilliseconds(200));
        var offered = Enum.GetValues<KvTransportKind>().Select(_ => rig.RandomPages("float32", 33, 2, 2, 32)).ToArray();
        var handles = Enum.GetValues<KvTransportKind>().Select((kind, i) => rig.Offer(offered[i], kind)).ToArray();
        Assert.Equal(3, rig.Outbox.ActiveLeases);
        Assert.All(handles, h => Assert.True(h.LeaseExpiresUtc > DateTime.UtcNow));
        Assert.All(offered, o => Assert.False(o.Unpinned));

        await Eventually(() => rig.Outbox.ExpiredLeases == 3, "all three leases expired");

        Assert.Equal(0, rig.Outbox.ActiveLeases);
        Assert.Equal(0, rig.Outbox.ActiveBytes);
        Assert.All(offered, o => Assert.True(o.Unpinned, "an expired lease unpins its blocks"));
        foreach (var handle in handles)
        {
            var error = await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.PullAsync(rig.Transport(handle.Transport), handle));
            Assert.Equal(handle.LeaseId, error.LeaseId);
            Assert.Contains(handle.LeaseId.ToString(), error.Message);
        }
    }

    [Fact]
    public async Task A_handle_names_the_pool_the_blocks_and_the_layer_range_and_the_pool_is_described_once()
    {
        await using var rig = Start();
        var pages = rig.RandomPages("bfloat16", 50, 3, 2, 64);
        var first = rig.Offer(pages, KvTransportKind.SharedMemory);
        var second = rig.Offer(pages, KvTransportKind.Tcp);

        Assert.Equal(pages.Export.Pool.Id, first.Pool.PoolId);
        Assert.Equal(KvPoolDescriptor.SharedMemory, first.Pool.Access);
        Assert.Equal(pages.Export.Pool.SharedMemoryPath, first.Pool.Path);
        Assert.Equal(Environment.ProcessId, first.Pool.ProcessId);
        Assert.Equal([3, 4 * 2 + 3, 16, 2, 64], new[] { first.Pool.Layers, first.Pool.Blocks, first.Pool.BlockSize, first.Pool.KvHeads, first.Pool.HeadDim });
        Assert.Equal("bfloat16", first.Pool.DType);
        Assert.Equal(pages.Export.Blocks, first.BlockIds);
        Assert.Equal((0, 3), (first.LayerStart, first.LayerCount));
        Assert.Same(first.Pool, second.Pool); // published once, referred to by every handle
    }

    [Fact]
    public async Task Release_ends_the_lease_once_unpins_its_blocks_and_later_releases_do_nothing()
    {
        await using var rig = Start();
        var tcp = rig.RandomPages("float32", 16, 1, 1, 8);
        var shared = rig.RandomPages("float32", 16, 1, 1, 8);
        var memory = rig.Offer(tcp, KvTransportKind.Tcp);
        var mapped = rig.Offer(shared, KvTransportKind.SharedMemory);

        rig.Outbox.Release(memory.LeaseId);
        rig.Outbox.Release(mapped.LeaseId);
        rig.Outbox.Release(memory.LeaseId);
        rig.Outbox.Release(12345);

        Assert.Equal(0, rig.Outbox.ActiveLeases);
        Assert.Equal(0, rig.Outbox.ActiveBytes);
        Assert.True(tcp.Unpinned && shared.Unpinned);
        await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.PullAsync(rig.Tcp, memory));
        await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.PullAsync(rig.InProcess, memory with { Transport = KvTransportKind.InProcess }));
    }

    [Fact]
    public async Task An_in_process_pull_copies_the_blocks_and_ends_the_lease_exactly_once()
    {
        await using var rig = Start();
        var offered = rig.RandomPages("bfloat16", 9, 1, 2, 8);
        var handle = rig.Offer(offered, KvTransportKind.InProcess);

        Assert.Equal(offered.Bytes, await rig.PullAsync(rig.InProcess, handle));
        Assert.Equal(0, rig.Outbox.ActiveLeases);
        Assert.True(offered.Unpinned);
        var error = await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.PullAsync(rig.InProcess, handle));
        Assert.Contains(handle.LeaseId.ToString(), error.Message);
    }

    [Fact]
    public async Task Disposing_the_outbox_unpins_every_lease()
    {
        await using var rig = Start();
        var offered = Enum.GetValues<KvTransportKind>().Select(kind =>
        {
            var pages = rig.RandomPages("float32", 16, 1, 1, 8);
            rig.Offer(pages, kind);
            return pages;
        }).ToArray();

        rig.Outbox.Dispose();

        Assert.Equal(0, rig.Outbox.ActiveLeases);
        Assert.All(offered, o => Assert.True(o.Unpinned));
        var late = rig.RandomPages("float32", 16, 1, 1, 8);
        Assert.Throws<ObjectDisposedException>(() => rig.Offer(late, KvTransportKind.Tcp));
        Assert.True(late.Unpinned, "an offer refused still unpins what it was given");
    }
}
