using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Workers;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>The pools as this silo sees them: active silos and their roles (<see cref="SiloRoles"/>).</summary>
public sealed class WorkerPools(IClusterMembershipService membership, SiloRoles roles)
{

    public IReadOnlyList<WorkerAddress> Pool(WorkerRole role)
    {
        var result = new List<WorkerAddress>();
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status != SiloStatus.Active) continue;
            if (roles.RolesOf(member.SiloAddress) is not { } silo || !silo.HasFlag(role)) continue;
            result.Add(new WorkerAddress(role, member.SiloAddress, WorkerKeys.For(member.SiloAddress, roles.DeviceOf(member.SiloAddress))));
        }
        return result;
    }

    /// <summary>The engines of active silos with any worker role, by worker key (one per silo, whatever its roles).</summary>
    public IReadOnlySet<string> EngineKeys()
    {
        var keys = new HashSet<string>();
        foreach (var w in Pool(WorkerRole.Prefill)) keys.Add(w.Key);
        foreach (var w in Pool(WorkerRole.Decode)) keys.Add(w.Key);
        return keys;
    }
}
