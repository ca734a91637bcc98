using Dynamo.Orleans.Transfer;
using static Dynamo.Orleans.Grains.Tests.Transfer.KvTransferRig;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>Every transport delivers exactly the bytes that were offered and ends the lease.</summary>
public sealed class KvTransportRoundTripTests
{
    // With the default 1 MiB chunk: a fraction of a chunk; exactly one chunk (f32) or half (bf16);
    // several chunks and not a multiple of the chunk (6.56 MiB f32, 3.28 MiB bf16).
    public static TheoryData<KvTransportKind, string, int, int, int, int> Cases()
    {
        var data = new TheoryData<KvTransportKind, string, int, int, int, int>();
        foreach (var kind in Enum.GetValues<KvTransportKind>())
            foreach (var dtype in new[] { "bfloat16", "float32" })
            {
                data.Add(kind, dtype, 5, 1, 2, 8);
                data.Add(kind, dtype, 128, 4, 4, 64);
                data.Add(kind, dtype, 107, 5, 3, 128);
            }
        return data;
    }

    [Theory]
    [InlineData(KvTransportKind.InProcess, true)]
    [InlineData(KvTransportKind.Tcp, true)]
    [InlineData(KvTransportKind.SharedMemory, false)]
    public async Task Each_transport_says_whether_its_pull_ends_the_lease_and_a_release_ends_it_at_once(KvTransportKind kind, bool pullEndsLease)
    {
        await using var rig = Start();
        var transport = rig.Transport(kind);
        Assert.Equal(pullEndsLease, transport.PullEndsLease);
        var handle = rig.Offer(rig.RandomPages("float32", 40, 2, 2, 16), kind);
        await rig.PullAsync(transport, handle);
        if (!pullEndsLease)
        {
            // What the decode worker does once per handoff: the lease ends now, not at the outbox's next sweep.
            rig.Outbox.Release(handle.LeaseId);
            Assert.Equal(0, rig.Outbox.ActiveLeases);
            Assert.Equal(0, rig.Outbox.ActiveBytes);
        }
        await Eventually(() => rig.Outbox.ActiveLeases == 0, "the lease ended");
        Assert.Equal(0, rig.Outbox.ExpiredLeases);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Pulled_pages_are_byte_identical_and_the_lease_is_released(KvTransportKind kind, string dtype, int tokens, int layers, int kvHeads, int headDim)
    {
        await using var rig = Start();
        var offered = rig.RandomPages(dtype, tokens, layers, kvHeads, headDim);
        var expected = offered.Bytes;
        var handle = rig.Offer(offered, kind);
        Assert.Equal(expected.Length, handle.ByteLength);
        Assert.Equal(1, rig.Outbox.ActiveLeases);
        Assert.Equal(expected.Length, rig.Outbox.ActiveBytes);

        var pulled = await rig.PullAsync(rig.Transport(kind), handle);

        Assert.True(pulled.SequenceEqual(expected), "pulled bytes differ from the offered ones");
        // TCP releases when the ACK reaches the server, in-process at the end of the pull, shared memory when the
        // consumer says so (the decode worker does, once per handoff).
        if (kind == KvTransportKind.SharedMemory) rig.Outbox.Release(handle.LeaseId);
        Assert.True(offered.Unpinned || kind == KvTransportKind.Tcp);
        await Eventually(() => rig.Outbox.ActiveLeases == 0 && rig.Outbox.ActiveBytes == 0, "the outbox holds no lease");
        Assert.Equal(0, rig.Outbox.ExpiredLeases);
    }

    [Theory]
    [InlineData(KvTransportKind.SharedMemory)]
    [InlineData(KvTransportKind.Tcp)]
    public async Task Concurrent_pulls_of_different_leases_each_get_their_own_bytes(KvTransportKind kind)
    {
        await using var rig = Start(o => o.ChunkBytes = 64 << 10);
        var offers = Enumerable.Range(0, 8).Select(i =>
        {
            var pages = rig.RandomPages(i % 2 == 0 ? "bfloat16" : "float32", 40 + 13 * i, 2, 4, 64, seed: i + 1);
            var bytes = pages.Bytes;
            return (Handle: rig.Offer(pages, kind, $"seq-{i}"), Bytes: bytes);
        }).ToArray();

        var pulled = await Task.WhenAll(offers.Select(o => Task.Run(() => rig.PullAsync(rig.Transport(kind), o.Handle))));

        for (int i = 0; i < offers.Length; i++)
            Assert.True(pulled[i].SequenceEqual(offers[i].Bytes), $"lease {i} came back with other bytes");
        if (kind == KvTransportKind.SharedMemory) foreach (var o in offers) rig.Outbox.Release(o.Handle.LeaseId);
        await Eventually(() => rig.Outbox.ActiveLeases == 0, "every lease is released");
    }

    [Fact]
    public async Task The_selector_pulls_through_the_transport_the_handle_names()
    {
        await using var rig = Start();
        foreach (var kind in Enum.GetValues<KvTransportKind>())
        {
            var offered = rig.RandomPages("bfloat16", 20, 2, 2, 16);
            var expected = offered.Bytes;
            var handle = rig.Offer(offered, kind);
            Assert.Same(rig.Transport(kind), rig.Selector.Resolve(handle));
            var pulled = await rig.PullAsync(rig.Selector.Resolve(handle), handle);
            Assert.True(pulled.SequenceEqual(expected));
        }
    }
}
