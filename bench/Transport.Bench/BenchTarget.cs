using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Transfer;

namespace Dynamo.Orleans.Transport.Bench;

/// <summary>The consumer's reserved blocks, as a decode engine's reservation offers them (no engine around them).</summary>
internal sealed class BenchTarget(IKvBlockMemory memory, IReadOnlyList<int> blocks) : IKvImportTarget
{
    public IKvBlockMemory Memory => memory;
    public IReadOnlyList<int> Blocks => blocks;
    public void BeginWrite(KvPageDescriptor descriptor) { }
    public void EndWrite() { }
}
