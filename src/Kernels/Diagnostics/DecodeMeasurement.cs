namespace Dynamo.Orleans.Kernels.Diagnostics;

/// <summary>What <see cref="DecodeThroughput"/> measured: decode steps, their time, and the least bytes each step reads.</summary>
/// <param name="Ids">Every generated id, the prefill's first token included.</param>
public sealed record DecodeMeasurement(int DecodedTokens, double Seconds, long WeightBytesPerToken, long KvBytesPerToken, IReadOnlyList<int> Ids)
{
    public double TokensPerSecond => DecodedTokens / Math.Max(Seconds, 1e-9);
    public long BytesPerToken => WeightBytesPerToken + KvBytesPerToken;

    /// <summary>The fastest decode a memory of <paramref name="gigabytesPerSecond"/> (10^9 bytes) allows: bandwidth ÷ bytes per token.</summary>
    public double BoundTokensPerSecond(double gigabytesPerSecond) => gigabytesPerSecond * 1e9 / BytesPerToken;
}
