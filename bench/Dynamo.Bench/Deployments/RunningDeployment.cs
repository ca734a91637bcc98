using Dynamo.Orleans.Bench.Client;

namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// A started deployment: its processes run until it is disposed, which stops every one of them — on success, on failure
/// and on Ctrl-C alike (callers hold it in <c>await using</c>).
/// </summary>
public sealed class RunningDeployment : IAsyncDisposable
{
    private readonly List<ServeProcess> _processes = [];

    private RunningDeployment(DeploymentPlan plan) => Plan = plan;

    public DeploymentPlan Plan { get; }
    public IReadOnlyList<ServeProcess> Processes => _processes;

    public static async Task<RunningDeployment> StartAsync(DeploymentPlan plan, DynamoExecutable dynamo, string logFolder, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deployment = new RunningDeployment(plan);
        try
        {
            // The primary first: workers join the cluster through it.
            deployment._processes.Add(await ServeProcess.StartAsync(plan.Processes[0], dynamo, logFolder, timeout, cancellationToken));
            var workers = plan.Processes.Skip(1).Select(p => ServeProcess.StartAsync(p, dynamo, logFolder, timeout, cancellationToken)).ToList();
            try { await Task.WhenAll(workers); }
            finally
            {
                foreach (var w in workers.Where(w => w.IsCompletedSuccessfully)) deployment._processes.Add(w.Result);
            }
            await deployment.WaitHealthyAsync(timeout, cancellationToken);
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Polls <c>/health</c> until the gateway sees every worker the plan started — serving before the second worker has
    /// registered would measure a smaller deployment. A gateway that is healthy but never lists them all (an older
    /// gateway without worker lists) is accepted once the time is up.
    /// </summary>
    private async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var endpoint = new CompletionEndpoint(Plan.BaseAddress, TimeSpan.FromSeconds(5));
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var health = await endpoint.HealthAsync(cancellationToken);
            if (health.Healthy && health.PrefillWorkers >= Plan.PrefillWorkers && health.DecodeWorkers >= Plan.DecodeWorkers) return;
            EnsureRunning();
            if (DateTime.UtcNow > deadline)
            {
                if (health.Healthy)
                {
                    Console.Error.WriteLine($"dynamo-bench: {Plan.Name}: /health lists {health.PrefillWorkers} prefill and {health.DecodeWorkers} decode workers " +
                                            $"(expected {Plan.PrefillWorkers} and {Plan.DecodeWorkers}); going on");
                    return;
                }
                throw new InvalidOperationException($"{Plan.Name}: {Plan.BaseAddress}health did not answer 200 within {timeout.TotalSeconds:F0} s");
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    public void EnsureRunning()
    {
        var dead = _processes.FirstOrDefault(p => !p.IsRunning);
        if (dead is not null) throw new InvalidOperationException($"{dead.Spec.Name} exited; see {dead.LogPath}");
    }

    public async ValueTask DisposeAsync()
    {
        // Workers before the primary, so that none of them spends its last seconds looking for the cluster.
        for (int i = _processes.Count - 1; i >= 0; i--) await _processes[i].DisposeAsync();
        _processes.Clear();
    }
}
