using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Runtime;

namespace Dynamo.Orleans.Kernels.Transfer;

/// <summary>
/// The one copy of a same-host handoff: blocks of a layer range go straight from the producer's pool (mapped here) into
/// the consumer's reserved blocks. Host to host is a memcpy per region; anything on a device is a CUDA copy.
/// </summary>
public static class KvBlockCopy
{
    public static unsafe long Copy(IKvBlockMemory source, IReadOnlyList<int> sourceBlocks, IKvBlockMemory target, IReadOnlyList<int> targetBlocks,
                                   int layerStart, int layerCount)
    {
        long bytes = 0;
        foreach (var (from, to, length) in KvBlockRuns.Paired(source.Layout, sourceBlocks, target.Layout, targetBlocks, layerStart, layerCount))
        {
            if (source.OnHost && target.OnHost)
                Buffer.MemoryCopy((byte*)(source.Address + (nint)from), (byte*)(target.Address + (nint)to), length, length);
            else
                CudaRuntime.Copy(target.Address + (nint)to, source.Address + (nint)from, length,
                    (source.OnHost, target.OnHost) switch
                    {
                        (true, false) => CudaRuntime.CopyKind.HostToDevice,
                        (false, true) => CudaRuntime.CopyKind.DeviceToHost,
                        _ => CudaRuntime.CopyKind.DeviceToDevice,
                    });
            bytes += length;
        }
        return bytes;
    }
}
