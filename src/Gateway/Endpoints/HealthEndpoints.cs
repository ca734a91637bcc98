using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Gateway.Serving;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary>
/// Probes. <c>/live</c>: the process answers (restart it if not). <c>/health</c>: the cluster can serve — at least one
/// decode worker is registered (route traffic here only then); 503 until then, with the reason.
/// </summary>
public static class HealthEndpoints
{
    public static IResult Live() => TypedResults.Text("ok\n");

    public static async Task<IResult> Health(FabricStatusCache fabric)
    {
        FabricStatus status;
        try
        {
            status = await fabric.RefreshAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return TypedResults.Json(new HealthReport("unavailable", $"the cluster did not answer: {e.Message}", null, null, [], []),
                GatewayJsonContext.Wire.HealthReport, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        bool ready = status.DecodeWorkers.Count > 0;
        var report = new HealthReport(ready ? "healthy" : "unavailable", ready ? null : "no decode worker is registered yet",
            status.Model, status.MaxModelLen, status.PrefillWorkers.Select(w => Worker(w, "prefill")).ToList(), status.DecodeWorkers.Select(w => Worker(w, "decode")).ToList());
        return TypedResults.Json(report, GatewayJsonContext.Wire.HealthReport,
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The role is the list's: a silo with both roles reports one worker id (and load) for both.</summary>
    private static WorkerHealth Worker(WorkerLoad w, string role) => new(w.WorkerId, role, w.Running, w.Waiting,
        w.TotalBlocks, w.UsedBlocks, w.FreeBlocks, w.CachedBlocks, w.Draining);
}
