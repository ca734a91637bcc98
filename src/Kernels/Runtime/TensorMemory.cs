using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Runtime;

/// <summary>
/// The address of a tensor's first element: a host pointer for CPU tensors, a device pointer for CUDA ones. TorchSharp
/// exposes host bytes only as a span (at most 2 GiB) and device memory not at all; a KV pool is larger than that and
/// lives on either, so the shim's storage pointer is read directly.
/// </summary>
public static partial class TensorMemory
{
    public static nint Address(Tensor tensor)
    {
        nint storage = THSStorage_data_ptr(tensor.Handle);
        if (storage == 0 && tensor.numel() > 0) throw new InvalidOperationException("libtorch returned no storage pointer for a non-empty tensor");
        return storage + (nint)(tensor.storage_offset() * tensor.element_size());
    }

    [LibraryImport("LibTorchSharp")]
    private static partial nint THSStorage_data_ptr(nint tensor);
}
