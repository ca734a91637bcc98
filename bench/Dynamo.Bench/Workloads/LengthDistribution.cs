using System.Globalization;

namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>
/// How many tokens a prompt or an answer has. Written on the command line as <c>128</c> (fixed), <c>uniform:1000-2000</c>
/// or <c>normal:1500,200</c> / <c>normal:1500,200,1000,2000</c> (mean, standard deviation, optional bounds), as genai-perf's
/// mean/stddev options do. Every draw is at least 1.
/// </summary>
public abstract record LengthDistribution
{
    public abstract int Sample(Random random);

    /// <summary>The mean of the distribution as drawn (bounds included), for reports.</summary>
    public abstract double Mean { get; }

    public abstract int Max { get; }

    public sealed record Fixed(int Tokens) : LengthDistribution
    {
        public override int Sample(Random random) => Tokens;
        public override double Mean => Tokens;
        public override int Max => Tokens;
        public override string ToString() => Tokens.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Every integer in [Min, Max] equally likely.</summary>
    public sealed record Uniform(int Min, int MaxTokens) : LengthDistribution
    {
        public override int Sample(Random random) => random.Next(Min, MaxTokens + 1);
        public override double Mean => (Min + MaxTokens) / 2.0;
        public override int Max => MaxTokens;
        public override string ToString() => $"uniform:{Min}-{MaxTokens}";
    }

    /// <summary>A rounded normal draw, clamped to [Min, MaxTokens] so that no request exceeds the context window.</summary>
    public sealed record Normal(double MeanTokens, double StandardDeviation, int Min, int MaxTokens) : LengthDistribution
    {
        public override int Sample(Random random)
        {
            // Box–Muller: one standard normal from two uniforms; 1 - NextDouble() keeps the log argument in (0, 1].
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            return Math.Clamp((int)Math.Round(MeanTokens + StandardDeviation * z), Min, MaxTokens);
        }

        public override double Mean => MeanTokens;
        public override int Max => MaxTokens;
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"normal:{MeanTokens},{StandardDeviation},{Min},{MaxTokens}");
    }

    public static LengthDistribution Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        try
        {
            if (t.StartsWith("uniform:", StringComparison.Ordinal))
            {
                var bounds = t["uniform:".Length..].Split('-', 2);
                var (min, max) = (Positive(bounds[0]), Positive(bounds[1]));
                return min <= max ? new Uniform(min, max) : throw new ArgumentException($"length '{text}': min above max");
            }
            if (t.StartsWith("normal:", StringComparison.Ordinal))
            {
                var parts = t["normal:".Length..].Split(',');
                double mean = double.Parse(parts[0], CultureInfo.InvariantCulture), sd = double.Parse(parts[1], CultureInfo.InvariantCulture);
                if (mean < 1 || sd < 0) throw new ArgumentException($"length '{text}': mean must be ≥ 1 and deviation ≥ 0");
                int min = parts.Length > 2 ? Positive(parts[2]) : 1;
                int max = parts.Length > 3 ? Positive(parts[3]) : (int)Math.Ceiling(mean + 4 * sd);
                return min <= max ? new Normal(mean, sd, min, max) : throw new ArgumentException($"length '{text}': min above max");
            }
            return new Fixed(Positive(t.StartsWith("fixed:", StringComparison.Ordinal) ? t["fixed:".Length..] : t));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or OverflowException)
        {
            throw new ArgumentException($"length '{text}' is not N, uniform:MIN-MAX or normal:MEAN,SD[,MIN,MAX]", e);
        }
    }

    private static int Positive(string s)
    {
        int n = int.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        return n >= 1 ? n : throw new ArgumentException("token counts must be at least 1");
    }
}
