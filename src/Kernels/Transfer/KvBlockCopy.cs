using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Runtime;

namespace Dynamo.Orleans.Kernels.Transfer;

/// <summary>
/// The one copy of a same-host handoff: blocks of a layer range go straight from the producer's pool (mapped here) into
/// the consumer's reserved blocks. Host to host is a memcpy per region; anything on a device is a CUDA copy.
/// </summary>
public static class KvBlockCopy
{
    /// <summary>Copies one layer group from <paramref name="source"/>'s blocks into the target's; returns the bytes moved.</summary>
    public static long Import(IKvImportTarget target, KvPageDescriptor descriptor, IKvBlockMemory source, IReadOnlyList<int> sourceBlocks)
    {
        if (sourceBlocks.Count < descriptor.BlockCount)
            throw new ArgumentException($"KV pages of {descriptor.TokenCount} tokens need {descriptor.BlockCount} blocks; the handle names {sourceBlocks.Count}");
        target.BeginWrite(descriptor);
        try
        {
            return Copy(source, sourceBlocks.Take(descriptor.BlockCount).ToArray(), target.Memory, target.Blocks.Take(descriptor.BlockCount).ToArray(),
                        descriptor.LayerStart, descriptor.LayerCount);
        }
        finally
        {
            target.EndWrite();
        }
    }

    public static unsafe long Copy(IKvBlockMemory source, IReadOnlyList<int> sourceBlocks, IKvBlockMemory target, IReadOnlyList<int> targetBlocks,
                                   int layerStart, int layerCount)
    {
        long bytes = 0;
        int device = target.OnHost ? source.DeviceIndex : target.DeviceIndex;
        foreach (var (from, to, length) in KvBlockRuns.Paired(source.Layout, sourceBlocks, target.Layout, targetBlocks, layerStart, layerCount))
        {
            if (source.OnHost && target.OnHost)
                Buffer.MemoryCopy((byte*)(source.Address + (nint)from), (byte*)(target.Address + (nint)to), length, length);
            else
                CudaRuntime.Copy(device, target.Address + (nint)to, source.Address + (nint)from, length,
                    (source.OnHost, target.OnHost) switch
                    {
                        (true, false) => CudaRuntime.CopyKind.HostToDevice,
                        (false, true) => CudaRuntime.CopyKind.DeviceToHost,
                        _ => CudaRuntime.CopyKind.DeviceToDevice,
                    });
            bytes += length;
        }
        // The copy is done when this returns: the caller then releases the producer's lease, and the producer may reuse its blocks.
        if (!source.OnHost || !target.OnHost) CudaRuntime.Synchronize(device);
        return bytes;
    }
}
