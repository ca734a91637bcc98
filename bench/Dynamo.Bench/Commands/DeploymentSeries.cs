using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Deployments;
using Dynamo.Orleans.Bench.Load;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary>
/// Starts deployments one after another — never two at once, so that they never share the cores — hands each to a
/// measurement while it runs, and stops it. One that cannot start or dies is noted and the others still run; requests
/// lost are counted. Shared by <c>compare</c> and <c>routing</c>, which differ only in what they measure on each.
/// </summary>
internal sealed class DeploymentSeries(DeploymentSetup setup, TimeSpan requestTimeout, string logFolder)
{
    private readonly List<string> _notes = [];
    private int _lost, _failed;

    /// <summary>Where the processes' logs go (one file per process).</summary>
    public string LogFolder => logFolder;

    public IReadOnlyList<string> Notes => _notes;

    /// <summary>
    /// Runs <paramref name="measure"/> with the started deployment, an endpoint on its HTTP gateway and the model name it
    /// serves; the deployment is stopped afterwards whatever happened.
    /// </summary>
    public async Task RunAsync(DeploymentPlan plan, Func<RunningDeployment, CompletionEndpoint, string, Task> measure, CancellationToken cancellationToken)
    {
        Console.Error.WriteLine($"dynamo-bench: starting {plan.Name} ({plan.Processes.Count} processes; logs in {logFolder})");
        try
        {
            await using var running = await RunningDeployment.StartAsync(plan, setup.Dynamo, logFolder, setup.StartTimeout, cancellationToken);
            using var endpoint = new CompletionEndpoint(plan.BaseAddress, requestTimeout);
            var modelName = await endpoint.FirstModelIdAsync(cancellationToken) ?? setup.Model.Name;
            await measure(running, endpoint, modelName);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            // One deployment that cannot start or dies is reported and the others still run; the exit code says it failed.
            _failed++;
            _notes.Add($"{plan.Name} failed: {e.Message.Split('\n')[0]}");
            Console.Error.WriteLine($"dynamo-bench: {plan.Name} failed: {e.Message}");
        }
        Console.Error.WriteLine($"dynamo-bench: stopped {plan.Name}");
    }

    /// <summary>Counts a measurement's lost requests and notes the first one's cause under <paramref name="where"/>.</summary>
    public void Count(PointMeasurement measurement, string where)
    {
        var lost = measurement.Lost;
        _lost += lost.Count;
        if (lost.Count > 0)
            _notes.Add($"{where}: {lost.Count} requests lost, first: {lost[0].Error ?? $"{lost[0].OutputTokens} of {lost[0].ExpectedOutputTokens} tokens"}");
    }

    public void Note(string note) => _notes.Add(note);

    /// <summary>1 when a deployment did not complete, 2 when requests were lost, else 0 (see <see cref="BenchErrors"/>).</summary>
    public int ExitCode()
    {
        if (_failed > 0)
        {
            Console.Error.WriteLine($"dynamo-bench: FAILED: {_failed} deployment(s) did not complete; logs in {logFolder}");
            return 1;
        }
        return _lost == 0 ? 0 : BenchErrors.LostRequests(_lost);
    }

    /// <summary>A fresh folder under the temporary directory for one invocation's logs.</summary>
    public static string NewLogFolder(string stem) => Path.Combine(Path.GetTempPath(), "dynamo-bench", $"{stem}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
}
