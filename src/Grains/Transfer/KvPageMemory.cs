using System.Buffers;
using TorchSharp;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// The native bytes of a contiguous CPU tensor as <see cref="Memory{T}"/>, so async socket calls read and write
/// KV pages in place instead of staging them through managed arrays. Native memory never moves, so pinning is free;
/// the owner of the tensor must keep it alive while the memory is in use.
/// </summary>
internal sealed unsafe class KvPageMemory : MemoryManager<byte>
{
    private readonly byte* _pointer;
    private readonly int _length;

    public KvPageMemory(torch.Tensor tensor)
    {
        var bytes = tensor.bytes;
        fixed (byte* p = bytes) _pointer = p;
        _length = bytes.Length;
    }

    public override Span<byte> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
