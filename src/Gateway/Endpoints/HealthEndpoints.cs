using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Gateway.Serving;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary>
/// Probes. <c>/live</c>: the process answers (restart it if not). <c>/health</c>: the cluster can serve — at least one
/// decode worker is registered and not draining (route traffic here only then); 503 otherwise, with the reason.
/// </summary>
public static class HealthEndpoints
{
    private static readonly TimeSpan FreshWithin = TimeSpan.FromMilliseconds(50);

    public static IResult Live() => TypedResults.Text("ok\n");

    public static async Task<IResult> Health(FabricStatusCache fabric)
    {
        FabricStatus status;
        try
        {
            // Fresh when the cluster answers quickly; under load, the last status (a second or so old) rather than a
            // probe that times out: a balancer that sees a slow /health takes a busy server for a dead one.
            var refresh = fabric.RefreshAsync();
            status = fabric.Latest is { } last && await Task.WhenAny(refresh, Task.Delay(FreshWithin)) != refresh ? last : await refresh;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return TypedResults.Json(new HealthReport("unavailable", $"the cluster did not answer: {e.Message}", null, null, [], []),
                GatewayJsonContext.Wire.HealthReport, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        // A draining worker finishes what it has and takes nothing new: it does not make the cluster ready.
        bool ready = status.DecodeWorkers.Any(w => !w.Draining);
        var reason = ready ? null : status.DecodeWorkers.Count > 0 ? "every decode worker is draining (shutting down)" : "no decode worker is registered yet";
        var report = new HealthReport(ready ? "healthy" : "unavailable", reason,
            status.Model, status.MaxModelLen, status.PrefillWorkers.Select(w => Worker(w, "prefill")).ToList(), status.DecodeWorkers.Select(w => Worker(w, "decode")).ToList());
        return TypedResults.Json(report, GatewayJsonContext.Wire.HealthReport,
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>The role is the list's: a silo with both roles reports one worker id (and load) for both.</summary>
    private static WorkerHealth Worker(WorkerLoad w, string role) => new(w.WorkerId, role, w.Running, w.Waiting,
        w.TotalBlocks, w.UsedBlocks, w.FreeBlocks, w.CachedBlocks, w.Draining);
}
