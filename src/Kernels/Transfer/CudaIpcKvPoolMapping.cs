using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Runtime;

namespace Dynamo.Orleans.Kernels.Transfer;

/// <summary>A peer's CUDA IPC pool opened in this process (cudaIpcOpenMemHandle, once per peer pool).</summary>
public sealed class CudaIpcKvPoolMapping : IKvPoolMapping
{
    private nint _allocation;

    private CudaIpcKvPoolMapping(KvPoolLayout layout, int device, nint allocation, long offset)
    {
        Layout = layout;
        DeviceIndex = device;
        _allocation = allocation;
        Address = allocation + (nint)offset;
    }

    public KvPoolLayout Layout { get; }
    public nint Address { get; }
    public bool OnHost => false;
    public int DeviceIndex { get; }

    public static CudaIpcKvPoolMapping Open(byte[] handle, long offset, KvPoolLayout layout, int device) =>
        new(layout, device, CudaRuntime.IpcOpenMemHandle(device, handle), offset);

    public void Dispose()
    {
        if (_allocation == 0) return;
        CudaRuntime.IpcCloseMemHandle(_allocation);
        _allocation = 0;
    }
}
