using Dynamo.Orleans.Kernels.Runtime;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>
/// A pool in CUDA device memory exported with CUDA IPC: peers on the host open the handle once per pool
/// (cudaIpcOpenMemHandle) and copy blocks device to device. The export names the whole allocation the pool lies in
/// (libtorch's caching allocator may have placed it inside a larger one), so the descriptor carries the offset too.
/// </summary>
public sealed class CudaIpcKvPool : KvPool
{
    private readonly byte[] _handle;
    private readonly long _offset;

    private CudaIpcKvPool(KvPoolLayout layout, Tensor storage, Device device) : base(layout, storage, device)
    {
        var allocation = CudaRuntime.AllocationBase(Address);
        _handle = CudaRuntime.IpcGetMemHandle(device.index < 0 ? 0 : device.index, allocation);
        _offset = Address - allocation;
    }

    public override KvPoolKind Kind => KvPoolKind.CudaIpc;
    public override (byte[] Handle, long Offset)? CudaIpc => (_handle, _offset);

    public static CudaIpcKvPool Create(KvPoolLayout layout, Device device)
    {
        if (!CudaRuntime.IsAvailable) throw new KvPoolUnavailableException("CUDA IPC is not available: the CUDA runtime or driver library cannot be loaded");
        var storage = zeros(layout.Shape, layout.DType, device);
        try
        {
            return new CudaIpcKvPool(layout, storage, device);
        }
        catch (InvalidOperationException e)
        {
            storage.Dispose();
            throw new KvPoolUnavailableException($"could not export the KV pool with CUDA IPC: {e.Message}", e);
        }
    }
}
