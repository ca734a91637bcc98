using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>
/// The paged KV storage: per layer one K and one V tensor shaped [blocks, blockSize, kvHeads, headDim].
/// Which block belongs to which sequence is the <see cref="BlockPool"/>'s business; this class only moves bytes.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    // Views over the same storage with blocks and in-block offsets flattened into one "slot" dimension, for writes.
    private readonly Tensor[] _keySlots;
    private readonly Tensor[] _valueSlots;

    /// <summary>A cache in a private pool of its own (tests, tools).</summary>
    public KvCache(int layers, int blocks, int blockSize, int kvHeads, int headDim, ScalarType dtype, Device device)
        : this(new PrivateKvPool(new KvPoolLayout(layers, CheckBlocks(blocks), blockSize, kvHeads, headDim, dtype), device))
    {
    }

    /// <summary>A cache over <paramref name="pool"/>, which it owns from now on. Per layer, K and V are views of the pool.</summary>
    public KvCache(KvPool pool)
    {
        Pool = pool;
        var l0 = pool.Layout;
        Layers = l0.Layers; Blocks = l0.Blocks; BlockSize = l0.BlockSize; KvHeads = l0.KvHeads; HeadDim = l0.HeadDim; DType = l0.DType; Device = pool.Device;
        _keys = new Tensor[Layers]; _values = new Tensor[Layers]; _keySlots = new Tensor[Layers]; _valueSlots = new Tensor[Layers];
        for (int l = 0; l < Layers; l++)
        {
            _keys[l] = pool.Storage[l, 0];
            _values[l] = pool.Storage[l, 1];
            _keySlots[l] = _keys[l].view(Blocks * BlockSize, KvHeads, HeadDim);
            _valueSlots[l] = _values[l].view(Blocks * BlockSize, KvHeads, HeadDim);
        }
    }

    private static int CheckBlocks(int blocks) =>
        blocks > 0 ? blocks : throw new ArgumentOutOfRangeException(nameof(blocks), blocks, "the KV cache needs at least one block");

    /// <summary>The memory the cache lives in (registered or private).</summary>
    public KvPool Pool { get; }
    public int Layers { get; }
    public int Blocks { get; }
    public int BlockSize { get; }
    public int KvHeads { get; }
    public int HeadDim { get; }
    public ScalarType DType { get; }
    public Device Device { get; }

    /// <summary>Bytes one block takes across all layers, K and V: what a memory budget is divided by.</summary>
    public static long BytesPerBlock(int layers, int blockSize, int kvHeads, int headDim, ScalarType dtype) =>
        2L * layers * blockSize * kvHeads * headDim * ElementSize(dtype);

    public static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new NotSupportedException($"KV cache dtype {dtype} is not supported"),
    };

    /// <summary>Writes new K/V rows [T, kvHeads, headDim] at the given slots (blockId * blockSize + offset).</summary>
    public void Write(int layer, Tensor slots, Tensor k, Tensor v)
    {
        _keySlots[layer].index_copy_(0, slots, k);
        _valueSlots[layer].index_copy_(0, slots, v);
    }

    /// <summary>K and V of the given blocks, in order, as [blockIds.Length * blockSize, kvHeads, headDim].</summary>
    public (Tensor K, Tensor V) Gather(int layer, Tensor blockIds)
    {
        long n = blockIds.shape[0] * BlockSize;
        return (_keys[layer].index_select(0, blockIds).view(n, KvHeads, HeadDim),
                _values[layer].index_select(0, blockIds).view(n, KvHeads, HeadDim));
    }

    /// <summary>
    /// Copies the given blocks of a layer range out as one contiguous tensor [layers, 2, blocks, blockSize, kvHeads, headDim].
    /// The result belongs to the caller, outside any dispose scope (it usually outlives the step that made it).
    /// </summary>
    public Tensor ReadBlocks(int layerStart, int layerCount, IReadOnlyList<int> blockIds, Device target)
    {
        using var scope = NewDisposeScope();
        var ids = tensor(blockIds.Select(b => (long)b).ToArray(), ScalarType.Int64).to(Device);
        var perLayer = new List<Tensor>(layerCount);
        for (int l = layerStart; l < layerStart + layerCount; l++)
            perLayer.Add(stack([_keys[l].index_select(0, ids), _values[l].index_select(0, ids)]));
        var result = stack(perLayer).to(target).contiguous();
        result.DetachFromDisposeScope();
        return result;
    }

    /// <summary>Writes data shaped like <see cref="ReadBlocks"/>'s result into the given blocks of a layer range.</summary>
    public void WriteBlocks(int layerStart, Tensor data, IReadOnlyList<int> blockIds)
    {
        using var scope = NewDisposeScope();
        long[] expected = [data.shape[0], 2, blockIds.Count, BlockSize, KvHeads, HeadDim];
        if (!data.shape.SequenceEqual(expected) || layerStart < 0 || layerStart + data.shape[0] > Layers)
            throw new ArgumentException($"KV pages shaped [{string.Join(", ", data.shape)}] at layer {layerStart} do not fit this cache " +
                                        $"(expected [{string.Join(", ", expected)}] within {Layers} layers)");
        var ids = tensor(blockIds.Select(b => (long)b).ToArray(), ScalarType.Int64).to(Device);
        var local = data.to(DType).to(Device);
        for (int i = 0; i < data.shape[0]; i++)
        {
            _keys[layerStart + i].index_copy_(0, ids, local[i, 0]);
            _values[layerStart + i].index_copy_(0, ids, local[i, 1]);
        }
    }

    public void Dispose()
    {
        for (int l = 0; l < Layers; l++)
        {
            _keySlots[l].Dispose(); _valueSlots[l].Dispose();
            _keys[l].Dispose(); _values[l].Dispose();
        }
        Pool.Dispose();
    }
}
