namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>Why the data plane turned a pull away: the <c>reason</c> tag of <c>dynamo_kv_dataplane_refusals_total</c>.</summary>
internal enum KvPullRefusal
{
    /// <summary>The pull was served.</summary>
    None = 0,
    /// <summary>The token is not this process's MAC of the lease id and expiry it came with.</summary>
    Forged,
    /// <summary>A genuine token whose lease has expired.</summary>
    Expired,
    /// <summary>A genuine, unexpired token for a lease that is gone: already pulled (a replay) or released.</summary>
    Unknown,
    /// <summary>A cluster secret is set and the puller's proof of it does not match.</summary>
    Unauthenticated,
    /// <summary>Not a pull of this protocol version (another program, or a peer built before KVP2).</summary>
    Protocol,
}
