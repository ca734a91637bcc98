using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

public static class KvPageHandleExtensions
{
    public static KvPageDescriptor ToDescriptor(this KvPageHandle handle) =>
        new(handle.TokenCount, handle.BlockSize, handle.LayerStart, handle.LayerCount, handle.TotalLayers, handle.KvHeads, handle.HeadDim, handle.DType);
}
