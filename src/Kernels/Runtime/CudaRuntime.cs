using System.Runtime.InteropServices;

namespace Dynamo.Orleans.Kernels.Runtime;

/// <summary>
/// The few CUDA runtime and driver calls KV pools need (IPC export and import, copies), bound at first use to the CUDA
/// libraries the loaded libtorch brought into the process (PyTorch's wheels carry libcudart; the driver's libcuda is
/// the machine's). TorchSharp exposes none of them. On a machine without CUDA every call fails with one clear message.
/// </summary>
public static unsafe class CudaRuntime
{
    /// <summary>cudaMemcpyKind.</summary>
    public enum CopyKind { HostToHost = 0, HostToDevice = 1, DeviceToHost = 2, DeviceToDevice = 3 }

    /// <summary>cudaIpcMemHandle_t: 64 opaque bytes, passed by value.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct IpcMemHandle
    {
        public fixed byte Reserved[64];
    }

    private const int IpcMemLazyEnablePeerAccess = 1;
    private static readonly Lazy<Api> Bound = new(Bind);

    private sealed class Api
    {
        public delegate* unmanaged<int, int> SetDevice;
        public delegate* unmanaged<IpcMemHandle*, nint, int> IpcGetMemHandle;
        public delegate* unmanaged<nint*, IpcMemHandle, uint, int> IpcOpenMemHandle;
        public delegate* unmanaged<nint, int> IpcCloseMemHandle;
        public delegate* unmanaged<nint, nint, nuint, int, int> Memcpy;
        public delegate* unmanaged<int, nint> GetErrorString;
        public delegate* unmanaged<int> DeviceSynchronize;
        public delegate* unmanaged<nint*, nuint*, nint, int> MemGetAddressRange; // libcuda: cuMemGetAddressRange_v2
        public string? Missing;
    }

    public static bool IsAvailable => Bound.Value.Missing is null;

    /// <summary>The base of the allocation <paramref name="pointer"/> lies in (IPC exports whole allocations).</summary>
    public static nint AllocationBase(nint pointer)
    {
        var api = Require();
        nint start;
        nuint size;
        int rc = api.MemGetAddressRange(&start, &size, pointer);
        if (rc != 0) throw new InvalidOperationException($"cuMemGetAddressRange failed with CUDA driver error {rc}");
        return start;
    }

    public static byte[] IpcGetMemHandle(int device, nint allocationBase)
    {
        var api = Require();
        Check(api, api.SetDevice(device), "cudaSetDevice");
        IpcMemHandle handle;
        Check(api, api.IpcGetMemHandle(&handle, allocationBase), "cudaIpcGetMemHandle");
        return new ReadOnlySpan<byte>(handle.Reserved, 64).ToArray();
    }

    /// <summary>Maps a peer process's exported allocation into this process (once per peer pool); close it with <see cref="IpcCloseMemHandle"/>.</summary>
    public static nint IpcOpenMemHandle(int device, byte[] exported)
    {
        if (exported.Length != 64) throw new ArgumentException($"a CUDA IPC handle has 64 bytes, got {exported.Length}");
        var api = Require();
        Check(api, api.SetDevice(device), "cudaSetDevice");
        IpcMemHandle handle;
        exported.CopyTo(new Span<byte>(handle.Reserved, 64));
        nint pointer;
        Check(api, api.IpcOpenMemHandle(&pointer, handle, IpcMemLazyEnablePeerAccess), "cudaIpcOpenMemHandle");
        return pointer;
    }

    public static void IpcCloseMemHandle(nint pointer)
    {
        var api = Require();
        Check(api, api.IpcCloseMemHandle(pointer), "cudaIpcCloseMemHandle");
    }

    /// <summary>
    /// A copy on <paramref name="device"/> (set on this thread first: after an await the caller may be on another one).
    /// A device-to-device cudaMemcpy may return before it is done: call <see cref="Synchronize"/> before anyone relies on
    /// the bytes (a lease released after it lets the producer reuse the source blocks).
    /// </summary>
    public static void Copy(int device, nint destination, nint source, long bytes, CopyKind kind)
    {
        var api = Require();
        Check(api, api.SetDevice(device), "cudaSetDevice");
        Check(api, api.Memcpy(destination, source, (nuint)bytes, (int)kind), "cudaMemcpy");
    }

    /// <summary>Waits until every copy and kernel issued on <paramref name="device"/> has finished.</summary>
    public static void Synchronize(int device)
    {
        var api = Require();
        Check(api, api.SetDevice(device), "cudaSetDevice");
        Check(api, api.DeviceSynchronize(), "cudaDeviceSynchronize");
    }

    private static Api Require()
    {
        var api = Bound.Value;
        if (api.Missing is { } missing) throw new InvalidOperationException($"CUDA is not usable in this process: {missing}");
        return api;
    }

    private static void Check(Api api, int rc, string call)
    {
        if (rc == 0) return;
        var text = Marshal.PtrToStringAnsi(api.GetErrorString(rc)) ?? "unknown error";
        throw new InvalidOperationException($"{call} failed: {text} (CUDA error {rc})");
    }

    private static Api Bind()
    {
        var api = new Api();
        // libtorch_cuda has already loaded libcudart when a CUDA device works; loading it by its soname finds that copy.
        nint runtime = 0;
        foreach (var name in new[] { "libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0", "libcudart.so" })
            if (NativeLibrary.TryLoad(name, out runtime)) break;
        if (runtime == 0 || !NativeLibrary.TryLoad("libcuda.so.1", out var driver))
        {
            api.Missing = "the CUDA runtime (libcudart) or driver (libcuda.so.1) cannot be loaded";
            return api;
        }
        try
        {
            api.SetDevice = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(runtime, "cudaSetDevice");
            api.IpcGetMemHandle = (delegate* unmanaged<IpcMemHandle*, nint, int>)NativeLibrary.GetExport(runtime, "cudaIpcGetMemHandle");
            api.IpcOpenMemHandle = (delegate* unmanaged<nint*, IpcMemHandle, uint, int>)NativeLibrary.GetExport(runtime, "cudaIpcOpenMemHandle");
            api.IpcCloseMemHandle = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(runtime, "cudaIpcCloseMemHandle");
            api.Memcpy = (delegate* unmanaged<nint, nint, nuint, int, int>)NativeLibrary.GetExport(runtime, "cudaMemcpy");
            api.GetErrorString = (delegate* unmanaged<int, nint>)NativeLibrary.GetExport(runtime, "cudaGetErrorString");
            api.DeviceSynchronize = (delegate* unmanaged<int>)NativeLibrary.GetExport(runtime, "cudaDeviceSynchronize");
            api.MemGetAddressRange = (delegate* unmanaged<nint*, nuint*, nint, int>)NativeLibrary.GetExport(driver, "cuMemGetAddressRange_v2");
        }
        catch (EntryPointNotFoundException e)
        {
            api.Missing = e.Message;
        }
        return api;
    }
}
