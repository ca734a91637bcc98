using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Workers;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>The pools as this silo sees them: active silos and their "dynamo.roles" metadata.</summary>
public sealed class WorkerPools(IClusterMembershipService membership, ISiloMetadataCache metadata)
{
    public const string DeviceMetadataKey = "dynamo.device";

    public IReadOnlyList<WorkerAddress> Pool(WorkerRole role)
    {
        var result = new List<WorkerAddress>();
        foreach (var member in membership.CurrentSnapshot.Members.Values)
        {
            if (member.Status != SiloStatus.Active) continue;
            var data = metadata.GetSiloMetadata(member.SiloAddress).Metadata;
            if (!WorkerRoles.Parse(data.GetValueOrDefault(WorkerRoles.MetadataKey)).HasFlag(role)) continue;
            result.Add(new WorkerAddress(role, member.SiloAddress, WorkerKeys.For(member.SiloAddress, data.GetValueOrDefault(DeviceMetadataKey) ?? "cpu")));
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
