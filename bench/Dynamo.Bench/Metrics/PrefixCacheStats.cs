using Dynamo.Orleans.Bench.Client;

namespace Dynamo.Orleans.Bench.Metrics;

/// <summary>
/// How much of a run's prompts the servers' prefix caches gave, from each response's
/// <c>usage.prompt_tokens_details.cached_tokens</c>, over the measured requests that completed and reported it.
/// <see cref="HitRate"/> is Σ cached ÷ Σ prompt tokens (first turns, whose context no worker can hold, included).
/// A follow-up turn (turn ≥ 1) is a <i>hit</i> when its worker had the previous turn's prompt cached: at least that
/// prompt's full blocks, less one block of slack for an engine that recomputes the last block of a fully cached prompt
/// (<see cref="FollowUpHitThreshold"/>). Only the previous prompt can match: the bench resends stand-in answer tokens,
/// not the ones the model generated, so the answer's blocks never hit.
/// </summary>
public sealed record PrefixCacheStats(int Requests, long PromptTokens, long CachedTokens, int FollowUps, int FollowUpHits)
{
    /// <summary>The engine's KV block size (<c>EngineOptions.BlockSize</c>): caches hold and match whole blocks.</summary>
    public const int DefaultBlockTokens = 16;

    /// <summary>Σ cached ÷ Σ prompt tokens; null when no request reported cached tokens.</summary>
    public double? HitRate => Requests > 0 && PromptTokens > 0 ? (double)CachedTokens / PromptTokens : null;

    /// <summary>Share of follow-up turns that found their previous prompt cached; null without follow-ups.</summary>
    public double? FollowUpHitRate => FollowUps > 0 ? (double)FollowUpHits / FollowUps : null;

    /// <summary>The cached tokens a follow-up needs to count as a hit: the previous prompt rounded down to whole blocks, minus one block.</summary>
    public static int FollowUpHitThreshold(int previousPromptTokens, int blockTokens = DefaultBlockTokens) =>
        Math.Max(0, previousPromptTokens / blockTokens * blockTokens - blockTokens);

    public static PrefixCacheStats Of(IEnumerable<RequestRecord> records, int blockTokens = DefaultBlockTokens)
    {
        var all = records.ToList();
        var reporting = all.Where(r => !r.Warmup && r.Succeeded && r.CachedTokens is not null).ToList();
        // A session's previous turn, to know how long its prompt was (warm-up and measured sessions share numbers).
        var previous = all.GroupBy(r => (r.Class, r.Session, r.Warmup, r.Turn)).ToDictionary(g => g.Key, g => g.First().PromptTokens);
        int followUps = 0, hits = 0;
        foreach (var r in reporting.Where(r => r.Turn >= 1))
        {
            if (!previous.TryGetValue((r.Class, r.Session, r.Warmup, r.Turn - 1), out int previousPrompt)) continue;
            followUps++;
            if (r.CachedTokens >= FollowUpHitThreshold(previousPrompt, blockTokens)) hits++;
        }
        return new(reporting.Count, reporting.Sum(r => (long)r.PromptTokens), reporting.Sum(r => (long)r.CachedTokens!.Value), followUps, hits);
    }
}
