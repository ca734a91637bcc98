using Dynamo.Orleans.Grains.Models;
using Dynamo.Orleans.Workers;
using Orleans.Concurrency;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>Reports the served model and the load of every worker, as the router of the silo it runs on sees them.</summary>
[StatelessWorker, Reentrant]
public sealed class FabricStatusGrain(ModelCatalog model, WorkerRouter router) : Grain, IFabricStatusGrain
{
    public async Task<FabricStatus> GetStatus()
    {
        var prefill = router.LoadsAsync(WorkerRole.Prefill);
        var decode = router.LoadsAsync(WorkerRole.Decode);
        return new FabricStatus
        {
            Model = model.Name, MaxModelLen = model.MaxModelLen,
            PrefillWorkers = await prefill, DecodeWorkers = await decode,
        };
    }
}
