using System.Collections.Concurrent;
using Dynamo.Orleans.Grains.Placement;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>
/// Knows the pools (active silos and their "dynamo.roles" metadata) and picks the least loaded worker of one. Loads are
/// fetched from the workers at most every <see cref="FabricOptions.LoadRefreshInterval"/>; choices made since the last
/// fetch count as load too, so a burst of requests spreads instead of piling onto the worker that looked idlest.
/// </summary>
public sealed class WorkerRouter(
    IClusterMembershipService membership, ISiloMetadataCache metadata, IGrainFactory grains,
    IOptions<FabricOptions> options, ILogger<WorkerRouter> logger)
{
    public const string DeviceMetadataKey = "dynamo.device";

    private readonly ConcurrentDictionary<string, (WorkerLoad? Load, DateTime At)> _loads = new();
    private readonly ConcurrentDictionary<string, int> _chosenSinceRefresh = new();

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

    /// <summary>The least loaded live worker of the pool, or null when the pool has none (outside <paramref name="exclude"/>).</summary>
    public async Task<WorkerAddress?> ChooseAsync(WorkerRole role, IReadOnlySet<SiloAddress>? exclude = null)
    {
        var candidates = Pool(role).Where(w => exclude is null || !exclude.Contains(w.Silo)).ToList();
        if (candidates.Count == 0) return null;
        var current = await Task.WhenAll(candidates.Select(GetLoadAsync));
        WorkerAddress? best = null;
        double bestScore = double.MaxValue;
        for (int i = 0; i < candidates.Count; i++)
        {
            if (current[i] is not { Draining: false } load) continue;
            double score = load.Running + load.Waiting + _chosenSinceRefresh.GetValueOrDefault(CacheKey(candidates[i]))
                         + (load.TotalBlocks == 0 ? 0 : (double)load.UsedBlocks / load.TotalBlocks);
            if (score < bestScore) { bestScore = score; best = candidates[i]; }
        }
        if (best is not null) _chosenSinceRefresh.AddOrUpdate(CacheKey(best), 1, (_, n) => n + 1);
        return best;
    }

    public async Task<IReadOnlyList<WorkerLoad>> LoadsAsync(WorkerRole role)
    {
        var loaded = await Task.WhenAll(Pool(role).Select(GetLoadAsync));
        return loaded.OfType<WorkerLoad>().ToList();
    }

    private async Task<WorkerLoad?> GetLoadAsync(WorkerAddress worker)
    {
        if (_loads.TryGetValue(CacheKey(worker), out var cached) && DateTime.UtcNow - cached.At < options.Value.LoadRefreshInterval)
            return cached.Load;
        WorkerLoad? load;
        try
        {
            load = worker.Role == WorkerRole.Prefill
                ? await grains.GetGrain<IPrefillWorkerGrain>(worker.Key).GetLoad().WaitAsync(TimeSpan.FromSeconds(5))
                : await grains.GetGrain<IDecodeWorkerGrain>(worker.Key).GetLoad().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Worker {Worker} did not report its load; skipping it", worker.Key);
            load = null;
        }
        _loads[CacheKey(worker)] = (load, DateTime.UtcNow);
        _chosenSinceRefresh.TryRemove(CacheKey(worker), out _);
        return load;
    }

    // A silo with both roles has a prefill and a decode worker under the same key: the role tells them apart.
    private static string CacheKey(WorkerAddress worker) => $"{worker.Role}:{worker.Key}";
}
