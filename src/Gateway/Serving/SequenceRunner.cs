using Dynamo.Orleans.Client;
using Dynamo.Orleans.Gateway.Diagnostics;
using Dynamo.Orleans.Gateway.Errors;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>
/// Puts one request on the fabric: checks the model and that a decode worker exists, admits it through the
/// <see cref="AdmissionGate"/>, and starts its sequence grain (keyed by the response id). The grain validates the
/// request on its first step, so <see cref="StartAsync"/> waits for that step: errors surface while the HTTP status can
/// still say what went wrong.
/// </summary>
public sealed class SequenceRunner(DynamoClient client, AdmissionGate admission, FabricStatusCache fabric, GatewayMetrics metrics)
{
    public async Task<SequenceRun> StartAsync(GenerateRequest request, string id, long arrivedAt, CancellationToken aborted)
    {
        if (string.IsNullOrEmpty(request.Model))
            throw ApiError.Invalid("You must provide a model parameter.", "model", "missing_required_parameter");
        var status = await fabric.GetAsync();
        // A worker may have registered since the cached look: ask again before refusing.
        if (status.DecodeWorkers.Count == 0) status = await fabric.RefreshAsync();
        if (request.Model != status.Model) throw ApiError.ModelNotFound(request.Model, status.Model);
        if (status.DecodeWorkers.Count == 0)
            throw ApiError.Unavailable("No decode worker is registered in the cluster yet: start a silo with the decode (or all) role.");

        var lease = await admission.EnterAsync(aborted);
        var run = new SequenceRun(client.GenerateAsync(request, id, aborted).GetAsyncEnumerator(aborted), lease, metrics, status.Model, arrivedAt);
        try
        {
            await run.StartAsync();
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
        return run;
    }
}
