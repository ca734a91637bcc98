namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>The KV cache has no room for what was asked (an import, or a prompt larger than the whole cache).</summary>
public sealed class KvCacheFullException(string message) : InvalidOperationException(message);
