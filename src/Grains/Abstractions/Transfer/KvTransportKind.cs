namespace Dynamo.Orleans.Transfer;

/// <summary>How KV page bytes move from a prefill worker to a decode worker, chosen by locality.</summary>
public enum KvTransportKind
{
    /// <summary>Same process: the decode engine copies straight from the prefill engine's pool.</summary>
    InProcess = 0,
    /// <summary>
    /// Same host, other process: the decode worker maps the prefill worker's registered pool (tmpfs on CPU, CUDA IPC on
    /// GPUs; once per pool) and copies the blocks straight into its own.
    /// </summary>
    SharedMemory = 1,
    /// <summary>Other host (or a private pool): the prefill silo's data plane sends the blocks from its pool into the socket.</summary>
    Tcp = 2,
}
