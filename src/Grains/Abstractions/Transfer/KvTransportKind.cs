namespace Dynamo.Orleans.Transfer;

/// <summary>How KV page bytes move from a prefill worker to a decode worker, chosen by locality.</summary>
public enum KvTransportKind
{
    /// <summary>Same process: the decode engine copies straight from the prefill side's pages.</summary>
    InProcess = 0,
    /// <summary>Same host, other process: a file in shared memory (/dev/shm) mapped by both.</summary>
    SharedMemory = 1,
    /// <summary>Other host: a chunked pull over the prefill silo's data-plane TCP connection.</summary>
    Tcp = 2,
}
