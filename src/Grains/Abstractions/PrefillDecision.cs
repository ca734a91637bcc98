namespace Dynamo.Orleans;

/// <summary>Where a sequence's prompt was prefilled, and why.</summary>
public enum PrefillDecision
{
    /// <summary>On a prefill worker: the prompt's tokens not cached on the decode worker reached the threshold.</summary>
    Remote,
    /// <summary>On the decode worker: too few uncached tokens to be worth a handoff.</summary>
    LocalBelowThreshold,
    /// <summary>On the decode worker: no live prefill worker on another silo.</summary>
    LocalNoPrefillWorker,
    /// <summary>On the decode worker: every prefill worker had more queued prompt tokens than the configured limit.</summary>
    LocalPrefillPoolBusy,
    /// <summary>On the decode worker: the sequence resumed there after a worker failed (its KV is recomputed there).</summary>
    LocalResumed,
}
