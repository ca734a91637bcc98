using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Transfer;
using static Dynamo.Orleans.Grains.Tests.Transfer.KvTransferRig;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>
/// A registered pool's file holds users' KV: only its owner may open it, nobody can predict its name, peers map it
/// read-only, and it is gone when the pool stops — or, after a crash, when the next pool on the host starts.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class KvSharedMemoryFileTests
{
    [Fact]
    public async Task A_pool_file_is_readable_and_writable_by_its_owner_only_and_named_with_128_random_bits()
    {
        await using var rig = Start();
        var first = rig.RandomPages("float32", 20, 1, 2, 16).Export.Pool;
        var second = rig.RandomPages("float32", 20, 1, 2, 16).Export.Pool;

        foreach (var pool in new[] { first, second })
        {
            Assert.Equal(KvPoolKind.SharedMemory, pool.Kind);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pool.SharedMemoryPath!));
            Assert.Matches(new Regex($"^dynamo-pool-{Environment.ProcessId}-[0-9a-f]{{32}}\\.kv$"), Path.GetFileName(pool.SharedMemoryPath!));
            Assert.Equal(pool.Layout.ByteLength, new FileInfo(pool.SharedMemoryPath!).Length);
        }
        Assert.NotEqual(first.SharedMemoryPath, second.SharedMemoryPath);
    }

    [Fact]
    public async Task Writes_through_the_pool_are_what_a_peer_maps_and_a_peer_cannot_write_into_it()
    {
        await using var rig = Start();
        var pages = rig.RandomPages("float32", 40, 2, 2, 16);
        var handle = rig.Offer(pages, KvTransportKind.SharedMemory);
        using var use = rig.Peers.Map(handle.Pool, handle.LeaseId);
        Assert.NotEqual(pages.Export.Pool.Address, use.Memory.Address); // a second mapping of the same file
        Assert.Equal(pages.Bytes, await rig.PullAsync(rig.SharedMemory, handle));
        // The producer maps its pool read-write; the peer's mapping of the same file is read-only ("r--s" in the maps).
        var maps = File.ReadAllLines("/proc/self/maps").Where(l => l.EndsWith(pages.Export.Pool.SharedMemoryPath!, StringComparison.Ordinal))
            .Select(l => l.Split(' ')[1]).ToList();
        Assert.Contains("rw-s", maps);
        Assert.Contains("r--s", maps);
    }

    [Fact]
    public async Task The_file_is_gone_when_the_pool_stops_and_a_dead_process_file_is_removed_by_the_next_pool()
    {
        await using var rig = Start();
        var pool = rig.RandomPages("float32", 20, 1, 2, 16).Export.Pool;
        var path = pool.SharedMemoryPath!;
        pool.Dispose();
        Assert.False(File.Exists(path), "disposing the pool unlinks its file");

        // A process that crashed left its pool behind; one that runs keeps its own.
        int dead = DeadProcessId();
        var orphan = Path.Combine(rig.PoolDirectory, $"dynamo-pool-{dead}-{new string('a', 32)}.kv");
        var alive = Path.Combine(rig.PoolDirectory, $"dynamo-pool-1-{new string('b', 32)}.kv");
        var other = Path.Combine(rig.PoolDirectory, "not-a-pool.kv");
        foreach (var f in new[] { orphan, alive, other }) await File.WriteAllBytesAsync(f, [1, 2, 3]);

        var next = rig.RandomPages("float32", 20, 1, 2, 16).Export.Pool;

        Assert.False(File.Exists(orphan), "creating a pool removes the pool files of processes that are gone");
        Assert.True(File.Exists(alive) && File.Exists(other) && File.Exists(next.SharedMemoryPath));
    }

    [Fact]
    public async Task A_peer_pool_whose_file_is_gone_fails_as_a_missing_lease_and_is_unmapped()
    {
        await using var rig = Start();
        var pages = rig.RandomPages("float32", 20, 1, 2, 16);
        var handle = rig.Offer(pages, KvTransportKind.SharedMemory);
        Assert.Equal(pages.Bytes, await rig.PullAsync(rig.SharedMemory, handle));
        Assert.Equal(1, rig.Peers.Count);
        var again = rig.Offer(pages, KvTransportKind.SharedMemory);

        pages.Export.Pool.Dispose(); // its worker stopped

        var error = await Assert.ThrowsAsync<KvLeaseNotFoundException>(() => rig.PullAsync(rig.SharedMemory, again));
        Assert.Contains("gone", error.Message);
        Assert.Equal(0, rig.Peers.Count);
    }

    private static int DeadProcessId()
    {
        for (int pid = 4_000_000; ; pid--)
            if (!Directory.Exists($"/proc/{pid}")) return pid;
    }
}
