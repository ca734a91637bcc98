namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>
/// One request as the workload decided it: its exact prompt token ids, how many tokens it must produce, and how long the
/// user thinks before sending it (after the previous turn's answer, or, for a first turn, after the session is due). The
/// pause is the user's, not the server's: it is waited out before the request starts, so it is never part of its TTFT.
/// </summary>
public sealed record PlannedRequest(string Class, int Session, int Turn, bool Warmup, int[] Prompt, int OutputTokens, TimeSpan ThinkBefore = default);
