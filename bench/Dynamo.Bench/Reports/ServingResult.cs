using Dynamo.Orleans.Bench.Deployments;
using Dynamo.Orleans.Bench.Metrics;

namespace Dynamo.Orleans.Bench.Reports;

/// <summary>Everything one invocation measured, with what is needed to reproduce it: the exact command, the machine, the model, the workload and the SLA.</summary>
public sealed record ServingResult(
    string Command,
    DateTime DateUtc,
    MachineDescription Machine,
    string Model,
    string Workload,
    ServiceLevel Sla,
    IReadOnlyList<DeploymentDescription> Deployments,
    IReadOnlyList<MeasuredPoint> Points,
    IReadOnlyList<DeploymentComparison> Comparisons,
    IReadOnlyList<string> Notes);

/// <summary>A deployment as the report names it: its processes' command lines and the cores they were pinned to.</summary>
public sealed record DeploymentDescription(string Name, string Description, int WorkerCores, IReadOnlyList<string> Processes)
{
    /// <summary>A plan as it was started: each process's command line, with the <c>taskset</c> that pinned it.</summary>
    public static DeploymentDescription Of(DeploymentPlan plan) => new(plan.Name, plan.Description, plan.WorkerCores,
        plan.Processes.Select(s => (s.Core is { } core ? $"taskset --cpu-list {core} " : "") + "dynamo serve " + string.Join(' ', s.Arguments)).ToList());
}
