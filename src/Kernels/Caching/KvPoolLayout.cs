using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>
/// The shape of a KV pool, which is all a peer needs to find a block in it: one row-major array
/// [layers, 2 (K, V), blocks, blockSize, kvHeads, headDim]. One block of one layer's K (or V) is a contiguous
/// <see cref="BlockBytes"/> region, so copying a sequence's blocks is a list of region copies.
/// </summary>
public sealed record KvPoolLayout(int Layers, int Blocks, int BlockSize, int KvHeads, int HeadDim, ScalarType DType)
{
    /// <summary>The layout's name in a pool descriptor: peers refuse a pool whose layout they do not know.</summary>
    public const string Name = "layer,kv,block,token,head,dim";

    public int ElementSize => KvCache.ElementSize(DType);
    public long BlockBytes => (long)BlockSize * KvHeads * HeadDim * ElementSize;
    public long ByteLength => (long)Layers * 2 * Blocks * BlockBytes;
    public long[] Shape => [Layers, 2, Blocks, BlockSize, KvHeads, HeadDim];

    /// <summary>Where block <paramref name="block"/> of layer <paramref name="layer"/>'s K (kv 0) or V (kv 1) starts.</summary>
    public long Offset(int layer, int kv, int block) => (((long)layer * 2 + kv) * Blocks + block) * BlockBytes;

    /// <summary>True when a block of this pool holds the same tokens, heads and element type as one of <paramref name="other"/>.</summary>
    public bool BlocksMatch(KvPoolLayout other) =>
        Layers == other.Layers && BlockSize == other.BlockSize && KvHeads == other.KvHeads && HeadDim == other.HeadDim && DType == other.DType;
}
