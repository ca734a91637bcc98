using System.Net.Sockets;
using System.Runtime.InteropServices;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Runtime;
using Dynamo.Orleans.Kernels.Transfer;
using static Dynamo.Orleans.Grains.Transfer.KvDataPlaneProtocol;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// Moves a layer group's blocks between a pool and a socket without a staging copy on the host: the sender reads each
/// block region of its pool straight into the socket, the receiver writes straight into its reserved blocks, both in
/// <see cref="KvBlockRuns"/> order, at most a chunk per call. A pool on a device goes through one chunk-sized host buffer.
/// </summary>
internal static class KvBlockSocket
{
    public static async Task SendAsync(Socket socket, IKvBlockMemory pool, IReadOnlyList<int> blocks, int layerStart, int layerCount, int chunkBytes,
                                       Action<int> sent, CancellationToken ct)
    {
        byte[]? staging = pool.OnHost ? null : GC.AllocateUninitializedArray<byte>(chunkBytes, pinned: true);
        foreach (var (offset, length) in KvBlockRuns.Of(pool.Layout, blocks, layerStart, layerCount))
            for (long done = 0; done < length; )
            {
                int n = (int)Math.Min(chunkBytes, length - done);
                nint at = pool.Address + (nint)(offset + done);
                if (staging is null)
                    await SendAllAsync(socket, new KvPageMemory(at, n).Memory, ct);
                else
                {
                    CudaRuntime.Copy(pool.DeviceIndex, Marshal.UnsafeAddrOfPinnedArrayElement(staging, 0), at, n, CudaRuntime.CopyKind.DeviceToHost);
                    await SendAllAsync(socket, staging.AsMemory(0, n), ct);
                }
                sent(n);
                done += n;
            }
    }

    /// <summary>Receives into the pool; false when the peer closed the connection before the last byte.</summary>
    public static async Task<bool> ReceiveAsync(Socket socket, IKvBlockMemory pool, IReadOnlyList<int> blocks, int layerStart, int layerCount, int chunkBytes,
                                                Action<int> received, CancellationToken ct)
    {
        byte[]? staging = pool.OnHost ? null : GC.AllocateUninitializedArray<byte>(chunkBytes, pinned: true);
        foreach (var (offset, length) in KvBlockRuns.Of(pool.Layout, blocks, layerStart, layerCount))
            for (long done = 0; done < length; )
            {
                ct.ThrowIfCancellationRequested();
                int want = (int)Math.Min(chunkBytes, length - done);
                nint at = pool.Address + (nint)(offset + done);
                var target = staging is null ? new KvPageMemory(at, want).Memory : staging.AsMemory(0, want);
                int n = await socket.ReceiveAsync(target, SocketFlags.None, ct);
                if (n == 0) return false;
                if (staging is not null)
                    CudaRuntime.Copy(pool.DeviceIndex, at, Marshal.UnsafeAddrOfPinnedArrayElement(staging, 0), n, CudaRuntime.CopyKind.HostToDevice);
                received(n);
                done += n;
            }
        return true;
    }
}
