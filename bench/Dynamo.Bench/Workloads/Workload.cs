namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>A named set of traffic classes run at the same time against one deployment; the seed makes prompts and arrivals repeatable.</summary>
public sealed record Workload(string Name, IReadOnlyList<TrafficClass> Classes, int Seed = 1)
{
    public string Describe() => string.Join("; ", Classes.Select(c =>
        $"{c.Name}: {c.Arrival}, input {c.Input}, output {c.Output}" +
        (c.SharedPrefixTokens > 0 ? $", shared prefix {c.SharedPrefixTokens}" : "") +
        (c.SystemPrompt is { } s ? $", per-session system prompt {s}" : "") +
        (c.Turns > 1 ? $", {c.Turns} turns" : "") +
        (c.Think is { IsNone: false } t ? $", {t}" : "") +
        (c.Background ? ", background" : $", {c.Sessions} sessions") +
        (c.WarmupSessions > 0 ? $" + {c.WarmupSessions} warm-up" : "")));
}
