using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Transfer;
using static Dynamo.Orleans.Grains.Tests.Transfer.KvTransferRig;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>The TCP path: a real listener on 127.0.0.1, keep-alive connections, failures that leave it serving.</summary>
public sealed class KvDataPlaneTests
{
    [Fact]
    public async Task A_tcp_pull_crosses_a_loopback_socket_and_keeps_the_connection_for_the_next_pull()
    {
        await using var rig = Start();
        Assert.StartsWith("127.0.0.1:", rig.DataPlane.Endpoint);
        Assert.NotEqual(0, IPEndPoint.Parse(rig.DataPlane.Endpoint).Port);
        Assert.Equal(0, rig.DataPlane.ActiveConnections);

        for (int i = 0; i < 3; i++)
        {
            var offered = rig.RandomPages("bfloat16", 64, 2, 4, 64, seed: i);
            var expected = offered.Bytes;
            var handle = rig.Offer(offered, KvTransportKind.Tcp);
            Assert.Equal(rig.DataPlane.Endpoint, handle.Source.DataPlaneEndpoint);
            var pulled = await rig.PullAsync(rig.Tcp, handle, CancellationToken.None);
            Assert.True(pulled.SequenceEqual(expected));
            // One server-side connection carried every pull: the client pooled it.
            Assert.Equal(1, rig.DataPlane.ActiveConnections);
        }
        await Eventually(() => rig.Outbox.ActiveLeases == 0, "every lease is released");
    }

    [Fact]
    public async Task Pulling_a_lease_that_is_gone_is_a_clear_error_and_the_connection_serves_on()
    {
        await using var rig = Start();
        var gone = rig.Offer(rig.RandomPages("float32", 20, 1, 2, 16), KvTransportKind.Tcp);
        rig.Outbox.Release(gone.LeaseId);
        var offered = rig.RandomPages("float32", 20, 1, 2, 16);
        var expected = offered.Bytes;
        var real = rig.Offer(offered, KvTransportKind.Tcp);

        var error = await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.PullAsync(rig.Tcp, gone));
        Assert.Equal(gone.LeaseId, error.LeaseId);
        Assert.Contains(gone.LeaseId.ToString(), error.Message);
        Assert.Contains("expired", error.Message);

        var pulled = await rig.PullAsync(rig.Tcp, real, CancellationToken.None);
        Assert.True(pulled.SequenceEqual(expected));
        Assert.Equal(1, rig.DataPlane.ActiveConnections);
    }

    [Fact]
    public async Task A_pull_cancelled_mid_way_leaves_the_server_healthy_and_the_lease_pullable()
    {
        await using var rig = Start(o => o.ChunkBytes = 256 << 10);
        var offered = rig.RandomPages("float32", 512, 6, 8, 64); // 24 MiB: ~96 chunks
        var expected = offered.Bytes;
        var handle = rig.Offer(offered, KvTransportKind.Tcp);

        // Cancel as soon as the first chunk has arrived: the meter reports each received chunk.
        using var cancel = new CancellationTokenSource();
        long receivedBeforeCancel = 0;
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == KvTransferMetrics.MeterName && instrument.Name == "kv_transfer_tcp_received_bytes") l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, bytes, _, _) =>
            {
                Interlocked.Add(ref receivedBeforeCancel, bytes);
                cancel.Cancel();
            });
            listener.Start();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.PullAsync(rig.Tcp, handle, cancel.Token));
        }
        Assert.InRange(Interlocked.Read(ref receivedBeforeCancel), 1, handle.ByteLength - 1);
        Assert.Equal(1, rig.Outbox.ActiveLeases);

        var pulled = await rig.PullAsync(rig.Tcp, handle, CancellationToken.None);
        Assert.True(pulled.SequenceEqual(expected));
        await Eventually(() => rig.Outbox.ActiveLeases == 0 && rig.Outbox.ActiveBytes == 0, "the lease is released after the full pull");
        // The cancelled pull's server connection noticed the reset and ended; only the pooled one is left.
        await Eventually(() => rig.DataPlane.ActiveConnections == 1, "the cancelled connection is gone");
    }

    [Fact]
    public async Task A_client_that_vanishes_mid_pull_does_not_end_the_lease()
    {
        await using var rig = Start(o => o.ChunkBytes = 64 << 10);
        var offered = rig.RandomPages("bfloat16", 256, 4, 8, 64); // 4 MiB
        var expected = offered.Bytes;
        var handle = rig.Offer(offered, KvTransportKind.Tcp);

        using (var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await raw.ConnectAsync(IPEndPoint.Parse(rig.DataPlane.Endpoint));
            await raw.SendAsync(RawDataPlaneClient.Pull(handle));
            var some = new byte[9 + 1000];
            int got = 0;
            while (got < some.Length) got += await raw.ReceiveAsync(some.AsMemory(got));
            Assert.Equal(0, some[0]); // Ok
        }

        var pulled = await rig.PullAsync(rig.Tcp, handle, CancellationToken.None);
        Assert.True(pulled.SequenceEqual(expected));
        await Eventually(() => rig.Outbox.ActiveLeases == 0, "the lease is released after the full pull");
    }

    [Fact]
    public async Task Stopping_ends_idle_connections_and_refuses_new_pulls()
    {
        await using var rig = Start();
        await rig.PullAsync(rig.Tcp, rig.Offer(rig.RandomPages("float32", 8, 1, 1, 8), KvTransportKind.Tcp));
        Assert.Equal(1, rig.DataPlane.ActiveConnections);

        await rig.DataPlane.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, rig.DataPlane.ActiveConnections);
        var handle = rig.Offer(rig.RandomPages("float32", 8, 1, 1, 8), KvTransportKind.Tcp);
        await Assert.ThrowsAnyAsync<Exception>(() => rig.PullAsync(rig.Tcp, handle));
    }

    [Fact]
    public async Task Concurrent_tcp_pulls_use_several_connections_at_once()
    {
        await using var rig = Start(o => o.ChunkBytes = 32 << 10);
        var offers = Enumerable.Range(0, 6).Select(i =>
        {
            var pages = rig.RandomPages("float32", 200, 2, 4, 64, seed: 100 + i); // 800 KiB each
            return (Handle: rig.Offer(pages, KvTransportKind.Tcp), Bytes: pages.Bytes);
        }).ToArray();

        var pulled = await Task.WhenAll(offers.Select(o => Task.Run(() => rig.PullAsync(rig.Tcp, o.Handle))));

        for (int i = 0; i < offers.Length; i++)
            Assert.True(pulled[i].SequenceEqual(offers[i].Bytes));
        Assert.InRange(rig.DataPlane.ActiveConnections, 1, offers.Length);
        await Eventually(() => rig.Outbox.ActiveLeases == 0, "every lease is released");
    }
}
