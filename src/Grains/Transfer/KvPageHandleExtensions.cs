using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>The bridge between the wire handle (Abstractions, no TorchSharp) and the engine's page descriptor.</summary>
public static class KvPageHandleExtensions
{
    public static KvPageDescriptor ToDescriptor(this KvPageHandle handle) =>
        new(handle.TokenCount, handle.BlockSize, handle.LayerStart, handle.LayerCount, handle.TotalLayers, handle.KvHeads, handle.HeadDim, handle.DType);

    /// <summary>An empty page tensor shaped for the handle: transports write the pulled bytes straight into it.</summary>
    internal static KvPages AllocatePages(this KvPageHandle handle)
    {
        var descriptor = handle.ToDescriptor();
        if (descriptor.ByteLength != handle.ByteLength)
            throw new InvalidDataException($"KV handle for lease {handle.LeaseId} says {handle.ByteLength} bytes but its shape needs {descriptor.ByteLength}");
        return new KvPages(descriptor, TorchSharp.torch.empty(descriptor.Shape, descriptor.ScalarType));
    }
}
