using System.Reflection;
using Dynamo.Orleans.Workers;
using Orleans.Metadata;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Placement;

/// <summary>
/// Each silo's worker roles and engine device, read from the cluster manifest. A silo publishes them in its own
/// manifest (<see cref="SiloRolesProperties"/>), so a silo's roles are known exactly when its grain types are: placement
/// never sees a compatible silo whose roles it does not know (it may not see a silo at all yet: <see cref="KnowsEveryActiveMember"/>). (Orleans' silo metadata cache was the first home for
/// them, but it fetches each silo's metadata once, and a fetch that fails while a silo starts is not retried for
/// minutes: a front end then looked like a worker and the kv-pages queues landed on workers.)
/// </summary>
public sealed class SiloRoles(IClusterManifestProvider manifests, IClusterMembershipService membership)
{
    /// <summary>One reference, swapped whole: readers on other threads see a version with its own properties.</summary>
    private sealed record Snapshot(MajorMinorVersion Version, IReadOnlyDictionary<SiloAddress, IReadOnlyDictionary<string, string>> Properties);

    private volatile Snapshot? _known;

    public const string RolesProperty = "dynamo.roles";
    public const string DeviceProperty = "dynamo.device";

    /// <summary>The silo's roles, or null while its manifest has not reached this process.</summary>
    public WorkerRole? RolesOf(SiloAddress silo) =>
        Properties(silo) is { } p && p.TryGetValue(RolesProperty, out var roles) ? WorkerRoles.Parse(roles) : null;

    /// <summary>The device the silo's engine runs on ("cpu" when unknown).</summary>
    public string DeviceOf(SiloAddress silo) =>
        Properties(silo) is { } p && p.TryGetValue(DeviceProperty, out var device) ? device : "cpu";

    /// <summary>
    /// Whether every active member's manifest has reached this process. A silo that is starting learns its peers'
    /// manifests a moment after membership lists them; until then it cannot tell a front end from a worker.
    /// </summary>
    public bool KnowsEveryActiveMember()
    {
        var known = manifests.Current.Silos;
        return membership.CurrentSnapshot.Members.Values.All(m => m.Status != SiloStatus.Active || known.ContainsKey(m.SiloAddress));
    }

    private IReadOnlyDictionary<string, string>? Properties(SiloAddress silo) => Read().GetValueOrDefault(silo);

    /// <summary>
    /// Every silo's role properties, read once per manifest version: routing asks for every member's roles on every
    /// request, and the roles sit among each silo's grain types.
    /// </summary>
    private IReadOnlyDictionary<SiloAddress, IReadOnlyDictionary<string, string>> Read()
    {
        var manifest = manifests.Current;
        if (_known is { } known && known.Version == manifest.Version) return known.Properties;
        var properties = new Dictionary<SiloAddress, IReadOnlyDictionary<string, string>>();
        foreach (var (silo, grains) in manifest.Silos)
            foreach (var (_, grain) in grains.Grains)
                if (grain.Properties.ContainsKey(RolesProperty))
                {
                    properties[silo] = grain.Properties;
                    break;
                }
        _known = new Snapshot(manifest.Version, properties);
        return properties;
    }
}

/// <summary>
/// Puts this silo's roles and device into its manifest. Orleans 10.4 has no silo-level manifest properties, so they ride
/// on the properties of the grain types placed with <see cref="SequencePlacement"/> (the sequence grain), which every
/// fabric silo hosts.
/// </summary>
internal sealed class SiloRolesProperties(WorkerRole roles, string device) : IGrainPropertiesProvider
{
    public void Populate(Type grainClass, GrainType grainType, Dictionary<string, string> properties)
    {
        if (grainClass.GetCustomAttribute<SequencePlacementAttribute>() is null) return;
        properties[SiloRoles.RolesProperty] = WorkerRoles.Format(roles);
        properties[SiloRoles.DeviceProperty] = device;
    }
}
