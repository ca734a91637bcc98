using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Dynamo.Orleans.Transfer;
using static Dynamo.Orleans.Grains.Tests.Transfer.KvTransferRig;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>
/// A shared-memory file holds a user's KV pages: only its owner may open it, nobody can predict its name, and it is gone
/// once its lease ends, whichever way that happens.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class KvSharedMemoryFileTests
{
    [Fact]
    public async Task A_file_is_readable_and_writable_by_its_owner_only_and_named_with_128_random_bits()
    {
        await using var rig = Start();
        var first = rig.Offer(RandomPages("float32", 20, 1, 2, 16), KvTransportKind.SharedMemory);
        var second = rig.Offer(RandomPages("float32", 20, 1, 2, 16), KvTransportKind.SharedMemory);

        foreach (var handle in new[] { first, second })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(handle.SharedMemoryPath!));
            Assert.Matches(new Regex($"^dynamo-kv-{Environment.ProcessId}-[0-9a-f]{{32}}\\.kv$"), Path.GetFileName(handle.SharedMemoryPath!));
            Assert.DoesNotContain(handle.LeaseId.ToString(), Path.GetFileName(handle.SharedMemoryPath!));
        }
        Assert.NotEqual(first.SharedMemoryPath, second.SharedMemoryPath);
    }

    [Fact]
    public async Task The_file_is_gone_after_pull_release_expiry_and_stop()
    {
        var clock = new ShiftedTimeProvider();
        await using var rig = Start(time: clock);
        string Offer() => rig.Offer(RandomPages("float32", 20, 1, 2, 16), KvTransportKind.SharedMemory).SharedMemoryPath!;

        var pulledPath = Offer();
        var pulledHandle = rig.Offer(RandomPages("float32", 20, 1, 2, 16), KvTransportKind.SharedMemory);
        using (await rig.SharedMemory.PullAsync(pulledHandle, CancellationToken.None)) { }
        Assert.False(File.Exists(pulledHandle.SharedMemoryPath), "the puller deletes the file it read");

        var released = rig.Offer(RandomPages("float32", 20, 1, 2, 16), KvTransportKind.SharedMemory);
        rig.Outbox.Release(released.LeaseId);
        Assert.False(File.Exists(released.SharedMemoryPath), "a release deletes the file at once");

        clock.Offset = rig.Options.LeaseTimeout + TimeSpan.FromSeconds(1);
        await Eventually(() => !File.Exists(pulledPath), "the expired lease's file is deleted");

        clock.Offset = TimeSpan.Zero;
        var atStop = Offer();
        rig.Outbox.Dispose();
        Assert.False(File.Exists(atStop), "stopping the outbox deletes every file it still owns");
        Assert.Empty(rig.SharedMemoryFiles());
    }
}
