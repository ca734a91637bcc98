using System.IO.MemoryMappedFiles;
using Dynamo.Orleans.Kernels.Caching;

namespace Dynamo.Orleans.Kernels.Transfer;

/// <summary>
/// A peer's shared-memory pool mapped into this process read-only: this process can copy the peer's blocks out but
/// can never write into its pool, so a consumer that dies mid-copy leaves the producer's pool as it was.
/// </summary>
public sealed unsafe class SharedMemoryKvPoolMapping : IKvPoolMapping
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private byte* _pointer;

    private SharedMemoryKvPoolMapping(string path, KvPoolLayout layout, MemoryMappedFile map, MemoryMappedViewAccessor view)
    {
        Path = path;
        Layout = layout;
        _map = map;
        _view = view;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref _pointer);
        Address = (nint)(_pointer + _view.PointerOffset);
    }

    public string Path { get; }
    public KvPoolLayout Layout { get; }
    public nint Address { get; }
    public bool OnHost => true;
    public int DeviceIndex => 0;

    /// <summary>Maps the pool file; a missing file is <see cref="FileNotFoundException"/> (the peer stopped), a wrong size <see cref="InvalidDataException"/>.</summary>
    public static SharedMemoryKvPoolMapping Open(string path, KvPoolLayout layout)
    {
        // FileShare.Delete: the owner may unlink the file while it is mapped here; the mapping stays valid.
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (file.Length != layout.ByteLength)
            throw new InvalidDataException($"KV pool file {path} holds {file.Length} bytes; its descriptor says {layout.ByteLength}");
        var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = map.CreateViewAccessor(0, layout.ByteLength, MemoryMappedFileAccess.Read);
            return new SharedMemoryKvPoolMapping(path, layout, map, view);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_pointer is null) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _pointer = null;
        _view.Dispose();
        _map.Dispose();
    }
}
