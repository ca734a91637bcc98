namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// What every deployment of one comparison shares: the model folder, how the primary is told to serve HTTP only, the
/// cores workers are pinned to, extra worker arguments (e.g. <c>--kv-transport</c>), and the disaggregated deployment's
/// threshold (null: dynamo's default) — set on all its silos, since sequence grains decide and may live on any of them.
/// </summary>
public sealed record ServeSettings(
    string ModelFolder,
    IReadOnlyList<int> WorkerCores,
    IReadOnlyList<string> WorkerArguments,
    int? DisaggregationThreshold = null,
    string PrimaryRole = "none",
    string HttpPortOption = "--http-port")
{
    public IReadOnlyList<string> ModelArguments => ["--model", ModelFolder];
}
