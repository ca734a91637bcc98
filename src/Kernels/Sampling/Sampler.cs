namespace Dynamo.Orleans.Kernels.Sampling;

/// <summary>A token chosen for a sequence, with its log probability and alternatives when they were asked for.</summary>
public sealed record SampledToken(int TokenId, float? Logprob, IReadOnlyList<TokenLogprob>? TopLogprobs);

public readonly record struct TokenLogprob(int TokenId, float Logprob);

/// <summary>
/// Picks tokens from one row of logits. The random draw for the n-th generated token depends only on (seed, n), not on
/// any generator state, so a sequence that is preempted, migrated or handed from a prefill engine to a decode engine
/// draws exactly the numbers it would have drawn on one engine. Logprobs are the model's raw distribution
/// (log-softmax of the logits before temperature, top-k and top-p), as vLLM reports them by default.
/// </summary>
public static class Sampler
{
    public static SampledToken Sample(ReadOnlySpan<float> logits, SamplingParams p, ulong seed, int index)
    {
        int chosen = p.IsGreedy ? ArgMax(logits) : Draw(logits, p, Uniform(seed, index));
        if (p.Logprobs is null) return new SampledToken(chosen, null, null);
        float logZ = LogSumExp(logits);
        IReadOnlyList<TokenLogprob>? top = null;
        if (p.Logprobs > 0)
        {
            var indices = TopIndices(logits, p.Logprobs.Value);
            var list = new TokenLogprob[indices.Length];
            for (int i = 0; i < indices.Length; i++) list[i] = new TokenLogprob(indices[i], logits[indices[i]] - logZ);
            top = list;
        }
        return new SampledToken(chosen, logits[chosen] - logZ, top);
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /// <summary>A uniform double in [0, 1) from (seed, index): SplitMix64 over their mix.</summary>
    public static double Uniform(ulong seed, int index)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL * (ulong)(index + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    private static int Draw(ReadOnlySpan<float> logits, SamplingParams p, double u)
    {
        // Top-k and top-p need candidates sorted by logit, largest first; plain temperature sampling needs no order,
        // which spares a sort of the whole vocabulary per token.
        bool cut = p.TopK > 0 || p.TopP < 1.0;
        int[] candidates = cut
            ? TopIndices(logits, p.TopK > 0 ? p.TopK : logits.Length)
            : Enumerable.Range(0, logits.Length).ToArray();
        float max = float.NegativeInfinity;
        foreach (var c in candidates) max = Math.Max(max, logits[c]);
        var weights = new double[candidates.Length];
        double total = 0;
        for (int i = 0; i < candidates.Length; i++)
        {
            weights[i] = Math.Exp((logits[candidates[i]] - max) / p.Temperature);
            total += weights[i];
        }
        int keep = candidates.Length;
        if (p.TopP < 1.0)
        {
            double cumulative = 0;
            for (int i = 0; i < candidates.Length; i++)
            {
                cumulative += weights[i] / total;
                if (cumulative >= p.TopP) { keep = i + 1; break; }
            }
            total = 0;
            for (int i = 0; i < keep; i++) total += weights[i];
        }
        double target = u * total, running = 0;
        for (int i = 0; i < keep; i++)
        {
            running += weights[i];
            if (target < running) return candidates[i];
        }
        return candidates[keep - 1];
    }

    /// <summary>Indices of the <paramref name="k"/> largest logits, largest first (ties: lower index first).</summary>
    public static int[] TopIndices(ReadOnlySpan<float> logits, int k)
    {
        k = Math.Min(k, logits.Length);
        var keys = new float[logits.Length];
        var idx = new int[logits.Length];
        for (int i = 0; i < logits.Length; i++) { keys[i] = -logits[i]; idx[i] = i; }
        if (k == logits.Length)
        {
            Array.Sort(keys, idx);
            StableTies(keys, idx, k);
            return idx;
        }
        // Partial selection: a bounded min-heap of the best k, then sort those.
        var heap = new PriorityQueue<int, (float, int)>(k + 1);
        for (int i = 0; i < logits.Length; i++)
        {
            heap.Enqueue(i, (logits[i], -i));
            if (heap.Count > k) heap.Dequeue();
        }
        var result = new int[k];
        for (int i = k - 1; i >= 0; i--) result[i] = heap.Dequeue();
        return result;
    }

    private static void StableTies(float[] keys, int[] idx, int k)
    {
        // Array.Sort is unstable: order equal logits by index so results do not depend on the sort's whims.
        int start = 0;
        for (int i = 1; i <= k; i++)
        {
            if (i == k || keys[i] != keys[start])
            {
                if (i - start > 1) Array.Sort(idx, start, i - start);
                start = i;
            }
        }
    }

    private static float LogSumExp(ReadOnlySpan<float> logits)
    {
        float max = float.NegativeInfinity;
        foreach (var x in logits) if (x > max) max = x;
        double sum = 0;
        foreach (var x in logits) sum += Math.Exp(x - max);
        return (float)(max + Math.Log(sum));
    }
}
