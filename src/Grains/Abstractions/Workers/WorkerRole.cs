namespace Dynamo.Orleans.Workers;

/// <summary>What a silo's workers do. Published in the silo's manifest; placement keeps each worker kind in its pool.</summary>
[Flags]
public enum WorkerRole
{
    /// <summary>No model workers: the silo hosts sequence grains (and, later, the gateway) only.</summary>
    None = 0,
    Prefill = 1,
    Decode = 2,
    All = Prefill | Decode,
}

public static class WorkerRoles
{
    public static string Format(WorkerRole role) => role switch
    {
        WorkerRole.None => "none",
        WorkerRole.Prefill => "prefill",
        WorkerRole.Decode => "decode",
        _ => "prefill,decode",
    };

    public static WorkerRole Parse(string? text)
    {
        var role = WorkerRole.None;
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            role |= part.ToLowerInvariant() switch
            {
                "prefill" => WorkerRole.Prefill,
                "decode" => WorkerRole.Decode,
                "all" => WorkerRole.All,
                "none" or "gateway" => WorkerRole.None,
                _ => throw new ArgumentException($"role '{part}' is not valid: expected all, prefill, decode or none"),
            };
        }
        return role;
    }
}
