using Dynamo.Orleans.Workers;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Dynamo.Orleans.Grains.Placement;

/// <summary>
/// Activates a worker on the silo its key names, and only if that silo belongs to the strategy's pool (its roles in
/// the cluster manifest, <see cref="SiloRoles"/>; for <see cref="EngineSiloPlacement"/>, either pool). A key that names no silo gets any silo of the pool. No matching silo is an error, never a wait.
/// </summary>
public sealed class WorkerPoolPlacementDirector(SiloRoles roles) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var role = ((WorkerPoolPlacement)strategy).Role;
        var pool = context.GetCompatibleSilos(target)
            .Where(s => ((roles.RolesOf(s) ?? WorkerRole.None) & role) != 0)
            .ToArray();
        var key = target.GrainIdentity.Key.ToString()!;
        if (WorkerKeys.TryParse(key, out var named, out _))
        {
            if (pool.Contains(named!)) return Task.FromResult(named!);
            throw new WorkerPoolException($"worker '{key}' cannot be placed: silo {named} is not an active member of the {WorkerRoles.Format(role)} pool");
        }
        if (pool.Length == 0)
            throw new WorkerPoolException($"worker '{key}' cannot be placed: the {WorkerRoles.Format(role)} pool is empty");
        return Task.FromResult(pool[Random.Shared.Next(pool.Length)]);
    }
}
