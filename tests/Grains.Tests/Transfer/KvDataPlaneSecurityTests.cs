using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Dynamo.Orleans.Grains.Diagnostics;
using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Dynamo.Orleans.Grains.Tests.Transfer.KvTransferRig;
using static Dynamo.Orleans.Grains.Tests.Transfer.RawDataPlaneClient;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>
/// Reaching the data-plane port is not enough to read KV pages: a pull needs the lease token of its handle (and, with a
/// cluster secret, proof of the secret). Raw sockets play the attacker; after every refusal the server still serves an
/// honest pull, and each refusal is counted by reason. Alone in its collection, so the process-wide counter sees only
/// these tests' refusals.
/// </summary>
[Collection(nameof(DataPlaneRefusalCounter))]
public sealed class KvDataPlaneSecurityTests
{
    private const string Secret = "a-cluster-secret-of-some-length";

    [Fact]
    public async Task A_pull_with_the_handles_token_is_served_and_ends_the_lease()
    {
        await using var rig = Start();
        var offered = rig.RandomPages("float32", 20, 1, 2, 16);
        var expected = offered.Bytes; // the outbox frees the pages once their pull is acknowledged
        var handle = rig.Offer(offered, KvTransportKind.Tcp);
        Assert.Equal(32, handle.LeaseToken!.Length);

        using var client = await ConnectAsync(rig.DataPlane.Endpoint);
        var (status, body) = await client.PullAsync(Pull(handle));
        Assert.Equal(Ok, status);
        Assert.Equal(expected, body);
        await client.AckAsync();
        await Eventually(() => rig.Outbox.ActiveLeases == 0, "the acknowledged lease is released");
    }

    [Fact]
    public async Task A_forged_token_is_refused_the_connection_closed_and_the_server_serves_on()
    {
        using var refusals = new RefusalCounts();
        await using var rig = Start();
        var offered = rig.RandomPages("float32", 20, 1, 2, 16);
        var expected = offered.Bytes; // the outbox frees the pages once their pull is acknowledged
        var handle = rig.Offer(offered, KvTransportKind.Tcp);
        var other = rig.Offer(rig.RandomPages("float32", 20, 1, 2, 16), KvTransportKind.Tcp);
        var flipped = handle.LeaseToken!.ToArray();
        flipped[7] ^= 1;

        var forgeries = new[]
        {
            Pull(handle, token: new byte[32]),                                                   // no token at all
            Pull(handle, token: flipped),                                                        // one bit off
            Pull(handle, token: other.LeaseToken),                                               // another lease's genuine token
            Pull(handle, expiresTicks: handle.LeaseExpiresUtc.AddHours(1).Ticks),                // expiry moved out
            Pull(handle, leaseId: handle.LeaseId + 1),                                           // the next lease id, a guess
        };
        foreach (var forged in forgeries)
        {
            using var attacker = await ConnectAsync(rig.DataPlane.Endpoint);
            var (status, body) = await attacker.PullAsync(forged);
            Assert.Equal(Refused, status);
            Assert.Contains("token", Text(body));
            Assert.True(await attacker.ClosedByServerAsync(), "a peer that forges tokens is not kept");
        }
        Assert.Equal(2, rig.Outbox.ActiveLeases); // nothing was read, nothing released

        using var honest = await ConnectAsync(rig.DataPlane.Endpoint);
        var (okStatus, pages) = await honest.PullAsync(Pull(handle));
        Assert.Equal(Ok, okStatus);
        Assert.Equal(expected, pages);
        await honest.AckAsync();
        Assert.Equal(forgeries.Length, refusals.Of("forged"));
        Assert.Equal(forgeries.Length, refusals.Total);
    }

    [Fact]
    public async Task An_expired_token_is_refused_and_the_connection_serves_on()
    {
        using var refusals = new RefusalCounts();
        var clock = new ShiftedTimeProvider();
        await using var rig = Start(time: clock);
        var stale = rig.Offer(rig.RandomPages("float32", 20, 1, 2, 16), KvTransportKind.Tcp);

        clock.Offset = rig.Options.LeaseTimeout + TimeSpan.FromSeconds(1);
        using var client = await ConnectAsync(rig.DataPlane.Endpoint);
        var (status, body) = await client.PullAsync(Pull(stale));
        Assert.Equal(LeaseUnknown, status);
        Assert.Contains("expired", Text(body));
        Assert.Equal(1, refusals.Of("expired"));

        // Expiry is what honest peers meet too: the same connection takes the next pull.
        var fresh = rig.RandomPages("float32", 20, 1, 2, 16);
        var expected = fresh.Bytes;
        var handle = rig.Offer(fresh, KvTransportKind.Tcp);
        var (okStatus, pages) = await client.PullAsync(Pull(handle));
        Assert.Equal(Ok, okStatus);
        Assert.Equal(expected, pages);
        await client.AckAsync();
        Assert.Equal(1, refusals.Total);
    }

    [Fact]
    public async Task A_replayed_token_is_refused_once_its_lease_was_pulled()
    {
        using var refusals = new RefusalCounts();
        await using var rig = Start();
        var handle = rig.Offer(rig.RandomPages("float32", 20, 1, 2, 16), KvTransportKind.Tcp);
        var frame = Pull(handle);

        using var client = await ConnectAsync(rig.DataPlane.Endpoint);
        Assert.Equal(Ok, (await client.PullAsync(frame)).Status);
        await client.AckAsync();
        await Eventually(() => rig.Outbox.ActiveLeases == 0, "the acknowledged lease is released");

        foreach (var replayer in new[] { client, await ConnectAsync(rig.DataPlane.Endpoint) })
        {
            var (status, body) = await replayer.PullAsync(frame);
            Assert.Equal(LeaseUnknown, status);
            Assert.Contains("already pulled", Text(body));
        }
        Assert.Equal(2, refusals.Of("unknown"));

        var next = rig.RandomPages("float32", 20, 1, 2, 16);
        var expected = next.Bytes;
        var (okStatus, pages) = await client.PullAsync(Pull(rig.Offer(next, KvTransportKind.Tcp)));
        Assert.Equal(Ok, okStatus);
        Assert.Equal(expected, pages);
        await client.AckAsync();
    }

    [Fact]
    public async Task A_pull_of_the_old_protocol_is_answered_and_closed()
    {
        using var refusals = new RefusalCounts();
        await using var rig = Start();
        var handle = rig.Offer(rig.RandomPages("float32", 20, 1, 2, 16), KvTransportKind.Tcp);
        var kvp1 = new byte[12];
        BitConverter.TryWriteBytes(kvp1, Kvp1);
        BitConverter.TryWriteBytes(kvp1.AsSpan(4), handle.LeaseId);

        using var old = await ConnectAsync(rig.DataPlane.Endpoint);
        var (status, body) = await old.PullAsync(kvp1);
        Assert.Equal(Refused, status);
        Assert.Contains("KVP2", Text(body));
        Assert.True(await old.ClosedByServerAsync());
        Assert.Equal(1, refusals.Of("protocol"));
        Assert.Equal(1, rig.Outbox.ActiveLeases);
    }

    [Fact]
    public async Task With_a_cluster_secret_a_genuine_token_also_needs_the_proof_of_the_secret()
    {
        using var refusals = new RefusalCounts();
        await using var rig = Start(o => o.ClusterSecret = Secret);
        var offered = rig.RandomPages("float32", 20, 1, 2, 16);
        var expected = offered.Bytes; // the outbox frees the pages once their pull is acknowledged
        var handle = rig.Offer(offered, KvTransportKind.Tcp);

        foreach (var wrong in new[] { null, "another-secret-of-some-length" })
        {
            using var outsider = await ConnectAsync(rig.DataPlane.Endpoint);
            var (status, body) = await outsider.PullAsync(Pull(handle, secret: wrong));
            Assert.Equal(Refused, status);
            Assert.Contains("secret", Text(body));
            Assert.True(await outsider.ClosedByServerAsync());
        }
        Assert.Equal(2, refusals.Of("unauthenticated"));

        // A silo of another cluster (another secret) fails with a clear error; one of this cluster pulls.
        await using (var stranger = Start(o => o.ClusterSecret = "another-secret-of-some-length"))
        {
            var error = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => stranger.PullAsync(stranger.Tcp, handle));
            Assert.Contains(handle.LeaseId.ToString(), error.Message);
        }
        var pulled = await rig.PullAsync(rig.Tcp, handle, CancellationToken.None);
        Assert.Equal(expected, pulled);
        Assert.Equal(3, refusals.Total);
    }

    [Fact]
    public async Task The_tcp_transport_reports_a_forged_handle_as_refused_and_a_replay_as_a_missing_lease()
    {
        await using var rig = Start();
        var offered = rig.RandomPages("float32", 20, 1, 2, 16);
        var expected = offered.Bytes; // the outbox frees the pages once their pull is acknowledged
        var handle = rig.Offer(offered, KvTransportKind.Tcp);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => rig.PullAsync(rig.Tcp, handle with { LeaseToken = null }));
        var pulled = await rig.PullAsync(rig.Tcp, handle, CancellationToken.None);
            Assert.Equal(expected, pulled);
        var replay = await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.PullAsync(rig.Tcp, handle));
        Assert.Equal(handle.LeaseId, replay.LeaseId);
    }

    [Fact]
    public void A_short_cluster_secret_is_refused_by_both_sides()
    {
        var options = Options.Create(new KvTransportOptions { ClusterSecret = "short" });
        Assert.Contains("16", Assert.Throws<ArgumentException>(() => new KvDataPlaneServer(options, NullLogger<KvDataPlaneServer>.Instance)).Message);
        using var outbox = new KvPageOutbox(new KvPageLocation("h", 1, "127.0.0.1:1"), options, NullLogger<KvPageOutbox>.Instance);
        Assert.Contains("16", Assert.Throws<ArgumentException>(() => new TcpKvTransport(outbox, options, NullLogger<TcpKvTransport>.Instance)).Message);
    }

    /// <summary>What <c>dynamo_kv_dataplane_refusals_total</c> counted since the listener started, by reason.</summary>
    private sealed class RefusalCounts : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _counts = new();

        public RefusalCounts()
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == FabricMetrics.MeterName && instrument.Name == "dynamo_kv_dataplane_refusals_total") l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag.Key == "reason") _counts.AddOrUpdate((string)tag.Value!, value, (_, sum) => sum + value);
            });
            _listener.Start();
        }

        public long Of(string reason) => _counts.GetValueOrDefault(reason);

        public long Total => _counts.Values.Sum();

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>Tests that read the process-wide refusal counter run alone, so no other test's refusal lands in their counts.</summary>
[CollectionDefinition(nameof(DataPlaneRefusalCounter), DisableParallelization = true)]
public sealed class DataPlaneRefusalCounter;
