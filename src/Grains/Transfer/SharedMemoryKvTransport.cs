using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// Same host, other process. The producer writes each offered layer group into its own file under
/// <see cref="KvTransportOptions.SharedMemoryDirectory"/> (tmpfs: /dev/shm) and frees the tensor; the consumer maps the
/// file read-only, copies it into new pages and deletes it. The consumer then releases the lease (batched per handoff);
/// should that message be lost, the producer's outbox sees the file gone at its next sweep and forgets the lease.
/// A file is created 0600 (only this user may open it: the kernel, not a token, guards it against other users) under a
/// name with 128 random bits (nobody can predict it to plant a file there first), and deleted on every path: by the
/// puller, on release, at expiry, when writing it fails and when the outbox stops. Processes of the same user can open it,
/// as they could read this process's memory anyway.
/// </summary>
public sealed class SharedMemoryKvTransport(KvPageOutbox outbox, IOptions<KvTransportOptions> options) : IKvTransport
{
    private readonly string _directory = options.Value.SharedMemoryDirectory;

    public KvTransportKind Kind => KvTransportKind.SharedMemory;

    public bool PullEndsLease => false;

    public KvPageHandle Offer(KvPageOffer offer, KvPages pages) => outbox.Lease(offer, pages, Kind, WriteFile);

    private string WriteFile(ReadOnlySpan<byte> bytes)
    {
        var path = Path.Combine(_directory, $"dynamo-kv-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.kv");
        // CreateNew (O_EXCL): never open a file, or follow a link, that someone else put at this name.
        using var file = new FileStream(path, OwnerOnly());
        try
        {
            WriteMapped(file, bytes);
            return path;
        }
        catch
        {
            File.Delete(path); // half written, and ours: nobody will pull it
            throw;
        }
    }

    private static FileStreamOptions OwnerOnly()
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.Read | FileShare.Delete };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return options;
    }

    public Task<KvPages> PullAsync(KvPageHandle handle, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = handle.SharedMemoryPath
            ?? throw new ArgumentException($"KV lease {handle.LeaseId} of sequence {handle.SequenceId} is a {handle.Transport} handle without a shared-memory path", nameof(handle));
        FileStream file;
        try
        {
            // FileShare.Delete: the producer may reclaim (unlink) the file while we read; the mapping stays valid.
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException e)
        {
            throw new KvLeaseNotFoundException(handle.LeaseId, $"KV lease {handle.LeaseId} of sequence {handle.SequenceId} (epoch {handle.Epoch}) has no shared-memory file at {path}: it expired, was already pulled or was released", e);
        }

        var pages = handle.AllocatePages();
        try
        {
            using (file)
            {
                if (file.Length != handle.ByteLength)
                    throw new InvalidDataException($"Shared-memory file {path} of KV lease {handle.LeaseId} holds {file.Length} bytes, the handle says {handle.ByteLength}");
                if (handle.ByteLength > 0) CopyMapped(file, pages.Data.bytes);
            }
        }
        catch
        {
            pages.Dispose();
            throw;
        }
        File.Delete(path);
        return Task.FromResult(pages);
    }

    private static unsafe void WriteMapped(FileStream file, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        using var map = MemoryMappedFile.CreateFromFile(file, null, bytes.Length, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
        using var view = map.CreateViewAccessor(0, bytes.Length, MemoryMappedFileAccess.ReadWrite);
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        try
        {
            KvPagePrefault.ForWrite(p + view.PointerOffset, bytes.Length);
            bytes.CopyTo(new Span<byte>(p + view.PointerOffset, bytes.Length));
        }
        finally { view.SafeMemoryMappedViewHandle.ReleasePointer(); }
    }

    private static unsafe void CopyMapped(FileStream file, Span<byte> destination)
    {
        using var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        using var view = map.CreateViewAccessor(0, destination.Length, MemoryMappedFileAccess.Read);
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        try
        {
            KvPagePrefault.ForRead(p + view.PointerOffset, destination.Length);
            fixed (byte* d = destination) KvPagePrefault.ForWrite(d, destination.Length);
            new ReadOnlySpan<byte>(p + view.PointerOffset, destination.Length).CopyTo(destination);
        }
        finally { view.SafeMemoryMappedViewHandle.ReleasePointer(); }
    }
}
