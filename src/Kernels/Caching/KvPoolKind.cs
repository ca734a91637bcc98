namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>How other processes reach a worker's KV pool.</summary>
public enum KvPoolKind
{
    /// <summary>Ordinary memory: only this process can read it (peers on the host use the data plane).</summary>
    Private = 0,
    /// <summary>A file on tmpfs (/dev/shm) mapped by the owner read-write and by peers on the host read-only.</summary>
    SharedMemory = 1,
    /// <summary>CUDA device memory exported with cudaIpcGetMemHandle; peers on the host open it with cudaIpcOpenMemHandle.</summary>
    CudaIpc = 2,
}
