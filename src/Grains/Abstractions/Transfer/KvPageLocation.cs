namespace Dynamo.Orleans.Transfer;

/// <summary>Where a worker's pages live: enough for a peer to judge locality and to reach them.</summary>
[GenerateSerializer, Immutable]
public sealed record KvPageLocation(
    [property: Id(0)] string HostName,
    [property: Id(1)] int ProcessId,
    /// <summary>host:port of the owner's data-plane listener (TCP pulls).</summary>
    [property: Id(2)] string DataPlaneEndpoint)
{
    public bool SameProcessAs(KvPageLocation other) => SameHostAs(other) && ProcessId == other.ProcessId;
    public bool SameHostAs(KvPageLocation other) => string.Equals(HostName, other.HostName, StringComparison.OrdinalIgnoreCase);
}
