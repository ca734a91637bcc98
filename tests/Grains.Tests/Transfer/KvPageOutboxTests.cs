using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Transfer;
using static Dynamo.Orleans.Grains.Tests.Transfer.KvTransferRig;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>DESIGN rule 5: every offered page has one owner and a lease; nothing outlives it.</summary>
public sealed class KvPageOutboxTests
{
    [Fact]
    public async Task Leases_nobody_pulls_are_reclaimed_at_expiry_and_pulling_them_then_names_the_lease()
    {
        await using var rig = Start(o => o.LeaseTimeout = TimeSpan.FromMilliseconds(200));
        var handles = Enum.GetValues<KvTransportKind>().Select(kind => rig.Offer(RandomPages("float32", 33, 2, 2, 32), kind)).ToArray();
        Assert.Equal(3, rig.Outbox.ActiveLeases);
        Assert.Single(rig.SharedMemoryFiles());
        Assert.All(handles, h => Assert.True(h.LeaseExpiresUtc > DateTime.UtcNow));

        await Eventually(() => rig.Outbox.ExpiredLeases == 3, "all three leases expired");

        Assert.Equal(0, rig.Outbox.ActiveLeases);
        Assert.Equal(0, rig.Outbox.ActiveBytes);
        Assert.Empty(rig.SharedMemoryFiles());
        foreach (var handle in handles)
        {
            var error = await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.Transport(handle.Transport).PullAsync(handle, CancellationToken.None));
            Assert.Equal(handle.LeaseId, error.LeaseId);
            Assert.Contains(handle.LeaseId.ToString(), error.Message);
            if (handle.Transport == KvTransportKind.SharedMemory) Assert.Contains(handle.SharedMemoryPath!, error.Message);
        }
    }

    [Fact]
    public async Task A_shared_memory_offer_moves_the_bytes_into_a_file_that_the_pull_deletes()
    {
        await using var rig = Start();
        var handle = rig.Offer(RandomPages("bfloat16", 50, 3, 2, 64), KvTransportKind.SharedMemory);
        Assert.NotNull(handle.SharedMemoryPath);
        Assert.StartsWith(rig.Options.SharedMemoryDirectory, handle.SharedMemoryPath);
        Assert.Equal(handle.ByteLength, new FileInfo(handle.SharedMemoryPath).Length);

        using (await rig.SharedMemory.PullAsync(handle, CancellationToken.None)) { }

        Assert.False(File.Exists(handle.SharedMemoryPath));
        await Eventually(() => rig.Outbox.ActiveLeases == 0, "the outbox noticed the pulled file");
        Assert.Equal(0, rig.Outbox.ExpiredLeases);
    }

    [Fact]
    public async Task Release_frees_the_lease_once_and_later_releases_do_nothing()
    {
        await using var rig = Start();
        var memory = rig.Offer(RandomPages("float32", 16, 1, 1, 8), KvTransportKind.Tcp);
        var file = rig.Offer(RandomPages("float32", 16, 1, 1, 8), KvTransportKind.SharedMemory);

        rig.Outbox.Release(memory.LeaseId);
        rig.Outbox.Release(file.LeaseId);
        rig.Outbox.Release(memory.LeaseId);
        rig.Outbox.Release(12345);

        Assert.Equal(0, rig.Outbox.ActiveLeases);
        Assert.Equal(0, rig.Outbox.ActiveBytes);
        Assert.False(File.Exists(file.SharedMemoryPath));
        Assert.False(rig.Outbox.TryTake(memory.LeaseId, out _));
        await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.Tcp.PullAsync(memory, CancellationToken.None));
    }

    [Fact]
    public async Task Try_take_hands_the_pages_over_exactly_once()
    {
        await using var rig = Start();
        var offered = RandomPages("bfloat16", 9, 1, 2, 8);
        var handle = rig.Offer(offered, KvTransportKind.InProcess);

        Assert.True(rig.Outbox.TryTake(handle.LeaseId, out var taken));
        using (taken)
        {
            Assert.Same(offered, taken);
            Assert.False(rig.Outbox.TryTake(handle.LeaseId, out _));
            Assert.Equal(0, rig.Outbox.ActiveLeases);
            var error = await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.InProcess.PullAsync(handle, CancellationToken.None));
            Assert.Contains(handle.LeaseId.ToString(), error.Message);
        }
    }

    [Fact]
    public async Task Disposing_the_outbox_frees_every_lease_and_file()
    {
        await using var rig = Start();
        foreach (var kind in Enum.GetValues<KvTransportKind>()) rig.Offer(RandomPages("float32", 16, 1, 1, 8), kind);
        Assert.Single(rig.SharedMemoryFiles());

        rig.Outbox.Dispose();

        Assert.Equal(0, rig.Outbox.ActiveLeases);
        Assert.Empty(rig.SharedMemoryFiles());
        Assert.Throws<ObjectDisposedException>(() => rig.Offer(RandomPages("float32", 16, 1, 1, 8), KvTransportKind.Tcp));
    }
}
