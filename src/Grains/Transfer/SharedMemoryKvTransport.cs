using System.IO.MemoryMappedFiles;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// Same host, other process: maps the producer's file read-only, copies it into new pages and deletes the file.
/// Deleting it is what ends the lease: the producer's outbox sees the file gone and forgets the lease.
/// </summary>
public sealed class SharedMemoryKvTransport : IKvTransport
{
    public KvTransportKind Kind => KvTransportKind.SharedMemory;

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
