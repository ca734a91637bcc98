using Dynamo.Orleans.Kernels.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>
/// The memory a worker's KV cache lives in. A registered pool (<see cref="KvPoolKind.SharedMemory"/>,
/// <see cref="KvPoolKind.CudaIpc"/>) can be mapped by other processes on the host, so a handoff is one copy straight
/// from the producer's blocks into the consumer's; a private one only by this process. The pool is created once per
/// engine and described once (<see cref="Id"/>, <see cref="Layout"/>, <see cref="Kind"/> and how to map it).
/// </summary>
public abstract class KvPool : IKvBlockMemory, IDisposable
{
    protected KvPool(KvPoolLayout layout, Tensor storage, Device device)
    {
        Layout = layout;
        Storage = storage;
        Device = device;
        Address = TensorMemory.Address(storage);
        Id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    }

    /// <summary>Random per pool: a handle naming a pool that has since been replaced (its worker restarted) names nothing.</summary>
    public string Id { get; }
    public KvPoolLayout Layout { get; }
    /// <summary>[layers, 2, blocks, blockSize, kvHeads, headDim] over the pool's memory.</summary>
    public Tensor Storage { get; }
    public Device Device { get; }
    /// <summary>The first byte: a host pointer for CPU pools, a device pointer for CUDA pools.</summary>
    public nint Address { get; }
    public bool OnHost => Device.type == DeviceType.CPU;
    public int DeviceIndex => Device.index < 0 ? 0 : Device.index;
    public abstract KvPoolKind Kind { get; }
    /// <summary>For <see cref="KvPoolKind.SharedMemory"/>: the tmpfs file peers map.</summary>
    public virtual string? SharedMemoryPath => null;
    /// <summary>For <see cref="KvPoolKind.CudaIpc"/>: the exported handle and the pool's offset in that allocation.</summary>
    public virtual (byte[] Handle, long Offset)? CudaIpc => null;

    /// <summary>
    /// Creates the engine's pool: registered when <paramref name="options"/> ask for it and the host allows it, else private
    /// (<paramref name="fallback"/> then says why, for the log).
    /// </summary>
    public static KvPool Create(KvPoolLayout layout, Device device, KvPoolOptions options, out string? fallback)
    {
        fallback = null;
        if (options.Registered)
        {
            try
            {
                if (device.type == DeviceType.CPU) return SharedMemoryKvPool.Create(layout, options.SharedMemoryDirectory);
                if (device.type == DeviceType.CUDA) return CudaIpcKvPool.Create(layout, device);
            }
            catch (KvPoolUnavailableException e)
            {
                fallback = e.Message;
            }
        }
        return new PrivateKvPool(layout, device);
    }

    public virtual void Dispose()
    {
        Storage.Dispose();
        GC.SuppressFinalize(this);
    }
}
