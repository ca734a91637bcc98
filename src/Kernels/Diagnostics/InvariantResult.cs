namespace Dynamo.Orleans.Kernels.Diagnostics;

/// <summary>One invariant checked on one device: its name, whether it held, and the figures that say how (or how not).</summary>
public sealed record InvariantResult(string Name, bool Passed, string Detail)
{
    /// <summary>Held when both paths produced the same token ids; otherwise the detail names the first position that differs.</summary>
    public static InvariantResult SameIds(string name, IReadOnlyList<int> expected, IReadOnlyList<int> actual, string what)
    {
        if (expected.SequenceEqual(actual)) return new(name, true, $"{expected.Count} ids identical; {what}");
        int at = 0;
        while (at < expected.Count && at < actual.Count && expected[at] == actual[at]) at++;
        return new(name, false, $"ids differ from position {at}: expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]; {what}");
    }

    /// <summary>Held when the largest absolute difference stays below <paramref name="tolerance"/> (NaN never holds).</summary>
    public static InvariantResult Within(string name, double maxDifference, double tolerance, string what) =>
        new(name, maxDifference < tolerance, $"max |logit difference| {maxDifference:G3} (limit {tolerance:G3}) over {what}");

    public override string ToString() => $"{(Passed ? "PASS" : "FAIL")} {Name}: {Detail}";
}
