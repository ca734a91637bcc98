using System.Buffers;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// A region of native memory (a KV pool's blocks) as <see cref="Memory{T}"/>, so async socket calls read and write
/// blocks in place instead of staging them through managed arrays. Native memory never moves, so pinning is free;
/// the owner of the memory must keep it alive while this is in use.
/// </summary>
internal sealed unsafe class KvPageMemory(nint address, int length) : MemoryManager<byte>
{
    public override Span<byte> GetSpan() => new((void*)address, length);

    public override MemoryHandle Pin(int elementIndex = 0) => new((byte*)address + elementIndex);

    public override void Unpin() { }

    protected override void Dispose(bool disposing) { }
}
