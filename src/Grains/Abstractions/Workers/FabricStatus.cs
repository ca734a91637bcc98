namespace Dynamo.Orleans.Workers;

/// <summary>The cluster as a front end needs it: the served model, its context window, and every worker's load.</summary>
[GenerateSerializer, Immutable]
public sealed record FabricStatus
{
    [Id(0)] public required string Model { get; init; }
    [Id(1)] public required int MaxModelLen { get; init; }
    [Id(2)] public required IReadOnlyList<WorkerLoad> PrefillWorkers { get; init; }
    [Id(3)] public required IReadOnlyList<WorkerLoad> DecodeWorkers { get; init; }
}

/// <summary>Answers for the whole fabric (one activation, key 0); an Orleans client cannot see membership itself.</summary>
public interface IFabricStatusGrain : IGrainWithIntegerKey
{
    Task<FabricStatus> GetStatus();
}
