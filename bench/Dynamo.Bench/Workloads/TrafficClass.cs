namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>
/// One kind of traffic in a workload: how its sessions arrive, how long prompts and answers are, whether its prompts
/// share a system prefix or each user has its own system prompt, how many turns a conversation has (1: single-shot
/// requests) and how long a user thinks before each.
/// </summary>
/// <param name="Name">label in records and reports</param>
/// <param name="Sessions">measured sessions to run (after <paramref name="WarmupSessions"/>); a closed loop that is
/// <paramref name="Background"/> ignores it and runs until the other classes finish</param>
/// <param name="SharedPrefixTokens">tokens of a system prefix common to every prompt of this class (prefix caching's case)</param>
/// <param name="Turns">turns per conversation: each turn's prompt is the whole conversation so far plus a new user message</param>
/// <param name="Background">keeps load on while the foreground classes run, e.g. the decode streams a long prompt interrupts</param>
/// <param name="SystemPrompt">length of each session's own system prompt, after the shared prefix (null: none) — the
/// case a cache-aware router exists for: only the worker that served a user before holds that user's context</param>
/// <param name="Think">the user's pause before each turn: after the previous answer, and before the first turn too, which
/// spreads the users' starts (null: none)</param>
public sealed record TrafficClass(
    string Name,
    Arrival Arrival,
    LengthDistribution Input,
    LengthDistribution Output,
    int Sessions,
    int WarmupSessions = 0,
    int SharedPrefixTokens = 0,
    int Turns = 1,
    bool Background = false,
    LengthDistribution? SystemPrompt = null,
    ThinkTime? Think = null)
{
    /// <summary>The longest prompt this class can send: prefixes plus every turn's input and output so far.</summary>
    public int MaxPromptTokens => SharedPrefixTokens + (SystemPrompt?.Max ?? 0) + Turns * Input.Max + (Turns - 1) * Output.Max;
}
