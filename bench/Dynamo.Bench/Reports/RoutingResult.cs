namespace Dynamo.Orleans.Bench.Reports;

/// <summary>
/// Everything one <c>dynamo-bench routing</c> measured, with what is needed to reproduce it: the exact command, the
/// machine, the model, the workload, the KV cache each worker had, the deployments as started, one run per router mode
/// and the comparisons between them.
/// </summary>
public sealed record RoutingResult(
    string Command,
    DateTime DateUtc,
    MachineDescription Machine,
    string Model,
    string Workload,
    string KvCache,
    IReadOnlyList<DeploymentDescription> Deployments,
    IReadOnlyList<RoutingRun> Runs,
    IReadOnlyList<RoutingComparison> Comparisons,
    IReadOnlyList<string> Notes);
