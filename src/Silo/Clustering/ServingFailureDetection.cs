using Orleans.Configuration;

namespace Dynamo.Orleans.Silo.Clustering;

/// <summary>
/// Orleans' membership probes, set so that a dead silo leaves the worker pools within about ten seconds (Orleans'
/// defaults take about half a minute and more): silos probe each other every <see cref="ProbeTimeout"/>, a silo that
/// misses <see cref="MissedProbesLimit"/> in a row is suspected, and the votes of its probers declare it dead. Requests
/// meanwhile re-route on the first failed call, so detection bounds how long the router may still pick the dead
/// silo, not whether a request fails. Used with Redis membership (several hosts); the single-machine default keeps
/// Orleans' own values, because a host saturated by its engine must not be mistaken for a dead one.
/// </summary>
public static class ServingFailureDetection
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);
    public const int MissedProbesLimit = 2;
    /// <summary>How often a silo re-reads the membership table: a silo that joins is seen by the others within this.</summary>
    public static readonly TimeSpan TableRefreshTimeout = TimeSpan.FromSeconds(2);
    /// <summary>How often an Orleans client re-reads the gateway list from the membership table.</summary>
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(2);

    public static void Apply(ClusterMembershipOptions options)
    {
        options.ProbeTimeout = ProbeTimeout;
        options.NumMissedProbesLimit = MissedProbesLimit;
        options.TableRefreshTimeout = TableRefreshTimeout;
    }
}
