namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// A pull named a lease its owner no longer holds: it expired, was already pulled, or was released.
/// The pages are gone; the sequence must prefill again rather than retry the pull.
/// </summary>
public sealed class KvLeaseNotFoundException : Exception
{
    public KvLeaseNotFoundException(long leaseId, string message, Exception? inner = null) : base(message, inner) => LeaseId = leaseId;

    public long LeaseId { get; }
}
