namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>Where an engine's KV pool lives (see <see cref="KvPool"/>).</summary>
public sealed class KvPoolOptions
{
    /// <summary>Put the KV cache in memory other processes on the host can map (tmpfs on CPU, CUDA IPC on GPUs).</summary>
    public bool Registered { get; set; } = true;
    /// <summary>The tmpfs folder for CPU pools.</summary>
    public string SharedMemoryDirectory { get; set; } = "/dev/shm";
}
