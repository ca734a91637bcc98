namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>One request as the workload decided it: its exact prompt token ids and how many tokens it must produce.</summary>
public sealed record PlannedRequest(string Class, int Session, int Turn, bool Warmup, int[] Prompt, int OutputTokens);
