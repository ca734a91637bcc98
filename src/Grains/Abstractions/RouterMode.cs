namespace Dynamo.Orleans;

/// <summary>How the router picks a worker of a pool.</summary>
public enum RouterMode
{
    /// <summary>The lowest cost given what each worker has cached and how busy it is (<c>kv</c>).</summary>
    Kv,
    /// <summary>The fewest running and waiting sequences, blind to the cache (<c>least-loaded</c>).</summary>
    LeastLoaded,
    /// <summary>Each live worker in turn (<c>round-robin</c>).</summary>
    RoundRobin,
    /// <summary>Any live worker (<c>random</c>).</summary>
    Random,
}

public static class RouterModes
{
    public static string Format(RouterMode mode) => mode switch
    {
        RouterMode.Kv => "kv",
        RouterMode.LeastLoaded => "least-loaded",
        RouterMode.RoundRobin => "round-robin",
        _ => "random",
    };

    public static RouterMode Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "kv" => RouterMode.Kv,
        "least-loaded" or "leastloaded" => RouterMode.LeastLoaded,
        "round-robin" or "roundrobin" => RouterMode.RoundRobin,
        "random" => RouterMode.Random,
        _ => throw new ArgumentException($"router mode '{text}' is not valid: expected kv, least-loaded, round-robin or random"),
    };
}
