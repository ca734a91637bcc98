namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>One <c>dynamo serve</c> process of a deployment: its name, its arguments after <c>serve</c>, and the core it is pinned to (null: any).</summary>
public sealed record ServeProcessSpec(string Name, IReadOnlyList<string> Arguments, int? Core);
