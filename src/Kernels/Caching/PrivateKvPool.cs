using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>A pool in ordinary tensor memory: peers reach its blocks only through the data plane.</summary>
public sealed class PrivateKvPool(KvPoolLayout layout, Device device)
    : KvPool(layout, zeros(layout.Shape, layout.DType, device), device)
{
    public override KvPoolKind Kind => KvPoolKind.Private;
}
