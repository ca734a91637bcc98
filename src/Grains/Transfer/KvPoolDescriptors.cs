using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>Between a Kernels pool and the descriptor a worker publishes for it.</summary>
public static class KvPoolDescriptors
{
    public static KvPoolDescriptor Describe(KvPool pool, KvPageLocation owner)
    {
        var l = pool.Layout;
        var (access, path, ipc, offset) = pool.Kind switch
        {
            KvPoolKind.SharedMemory => (KvPoolDescriptor.SharedMemory, pool.SharedMemoryPath, null, 0L),
            KvPoolKind.CudaIpc => (KvPoolDescriptor.CudaIpc, null, pool.CudaIpc!.Value.Handle, pool.CudaIpc.Value.Offset),
            _ => (KvPoolDescriptor.Private, (string?)null, (byte[]?)null, 0L),
        };
        return new KvPoolDescriptor(pool.Id, owner.HostName, owner.ProcessId, access, KvPoolLayout.Name, l.Layers, l.Blocks, l.BlockSize,
                                    l.KvHeads, l.HeadDim, KvPageDescriptor.NameOf(l.DType), path, ipc, offset, pool.DeviceIndex);
    }

    /// <summary>The pool's layout; a descriptor from a build with another layout is refused, not misread.</summary>
    public static KvPoolLayout LayoutOf(KvPoolDescriptor d)
    {
        if (d.Layout != KvPoolLayout.Name)
            throw new InvalidDataException($"KV pool {d.PoolId} has layout '{d.Layout}'; this build reads only '{KvPoolLayout.Name}'");
        var dtype = new KvPageDescriptor(1, d.BlockSize, 0, 1, d.Layers, d.KvHeads, d.HeadDim, d.DType).ScalarType;
        return new KvPoolLayout(d.Layers, d.Blocks, d.BlockSize, d.KvHeads, d.HeadDim, dtype);
    }
}
