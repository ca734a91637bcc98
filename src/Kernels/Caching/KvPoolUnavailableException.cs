namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>A registered pool cannot be made here (no tmpfs room, no CUDA IPC): the engine falls back to a private one.</summary>
public sealed class KvPoolUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
