namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary><c>GET /health</c>: "healthy" once a decode worker is registered, with every worker's state.</summary>
public sealed record HealthReport(
    string Status, string? Message, string? Model, int? MaxModelLen,
    IReadOnlyList<WorkerHealth> PrefillWorkers, IReadOnlyList<WorkerHealth> DecodeWorkers);

public sealed record WorkerHealth(
    string WorkerId, string Role, int Running, int Waiting, int TotalBlocks, int UsedBlocks, int FreeBlocks, int CachedBlocks, bool Draining);
