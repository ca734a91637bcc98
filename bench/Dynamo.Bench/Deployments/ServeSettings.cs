namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// What every deployment of one comparison shares: the model folder, how the primary is told to serve HTTP only, the
/// cores workers are pinned to, and extra worker arguments (e.g. <c>--kv-transport</c>).
/// </summary>
public sealed record ServeSettings(
    string ModelFolder,
    IReadOnlyList<int> WorkerCores,
    IReadOnlyList<string> WorkerArguments,
    string PrimaryRole = "none",
    string HttpPortOption = "--http-port")
{
    public IReadOnlyList<string> ModelArguments => ["--model", ModelFolder];
}
