using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>Moves the bytes a <see cref="KvPageHandle"/> names from the producing worker to the caller.</summary>
public interface IKvTransport
{
    KvTransportKind Kind { get; }

    /// <summary>
    /// Pulls the pages; the caller owns (and disposes) the result. A lease that is gone (expired, pulled, released)
    /// fails with <see cref="KvLeaseNotFoundException"/>.
    /// </summary>
    Task<KvPages> PullAsync(KvPageHandle handle, CancellationToken cancellationToken);
}
