using System.Globalization;

namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// One router configuration to measure, as written in <c>routing --modes</c>: a <c>dynamo serve --router-mode</c> (kv,
/// least-loaded, round-robin, random) with the server's defaults, or <c>kv@W</c>: kv with <c>--kv-overlap-weight W</c>
/// (how many blocks in use one block of prefill saved is worth), so that one run can show the default next to a weight.
/// <see cref="Name"/> is the text as given, which names the deployment and its rows in the report.
/// </summary>
public sealed record RouterSetting(string Name, string Mode, double? OverlapWeight)
{
    public const string Kv = "kv";

    /// <summary>The router modes of <c>dynamo serve --router-mode</c>, as written on its command line.</summary>
    public static readonly IReadOnlyList<string> Modes = [Kv, "least-loaded", "round-robin", "random"];

    public bool IsKv => Mode == Kv;

    public static RouterSetting Parse(string text)
    {
        var t = text.Trim();
        if (Modes.Contains(t)) return new(t, t, null);
        if (t.StartsWith(Kv + "@", StringComparison.Ordinal) &&
            double.TryParse(t[(Kv.Length + 1)..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double weight) && double.IsFinite(weight))
            return new(t, Kv, weight);
        throw new ArgumentException($"router mode '{text}' is not one of {string.Join(", ", Modes)} or kv@WEIGHT (e.g. kv@4)");
    }
}
