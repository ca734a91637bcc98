using Dynamo.Orleans.Kernels.Caching;

namespace Dynamo.Orleans.Kernels.Transfer;

/// <summary>A peer's registered pool mapped into this process; disposing unmaps it.</summary>
public interface IKvPoolMapping : IKvBlockMemory, IDisposable;

public static class KvPoolMapping
{
    /// <summary>Maps a peer's pool by how it was registered: a tmpfs file read-only, or a CUDA IPC handle on <paramref name="device"/>.</summary>
    public static IKvPoolMapping Open(KvPoolKind kind, string? path, byte[]? ipcHandle, long ipcOffset, KvPoolLayout layout, int device) => kind switch
    {
        KvPoolKind.SharedMemory => SharedMemoryKvPoolMapping.Open(path ?? throw new InvalidDataException("a shared-memory KV pool without a path"), layout),
        KvPoolKind.CudaIpc => CudaIpcKvPoolMapping.Open(ipcHandle ?? throw new InvalidDataException("a CUDA IPC KV pool without a handle"), ipcOffset, layout, device),
        _ => throw new InvalidOperationException($"a {kind} KV pool cannot be mapped by another process: only the data plane can read it"),
    };
}
