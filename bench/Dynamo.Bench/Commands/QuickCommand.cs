using System.CommandLine;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary>
/// <c>dynamo-bench quick</c>: <c>compare</c> with the tiny model and a small mixed workload, about 25 seconds for all three
/// deployments. CI runs it after the tests to prove that every deployment serves every request in full; it never judges
/// timings. Options given after <c>quick</c> are compare's and override these defaults.
/// </summary>
internal static class QuickCommand
{
    /// <summary>compare's options for the smoke run; a null value is a flag.</summary>
    public static readonly (string Option, string? Value)[] Defaults =
    [
        ("--model", "tiny"), ("--workload", "mixed"), ("--concurrency", "4"), ("--input-tokens", "16"), ("--output-tokens", "24"),
        ("--long-input-tokens", "uniform:200-400"), ("--long-output-tokens", "8"), ("--long-rate", "2"), ("--requests", "6"), ("--warmup", "1"),
        ("--max-point-seconds", "60"), ("--start-timeout-seconds", "60"), ("--name", "quick"), ("--no-plots", null),
        ("--out", Path.Combine(Path.GetTempPath(), "dynamo-bench-quick")),
    ];

    public static Command Create(Func<string[], Task<int>> runCompare)
    {
        var command = new Command("quick", "compare with the tiny model and a small mixed workload (the CI smoke run); compare's options override")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((result, _) =>
        {
            var overrides = result.UnmatchedTokens.ToArray();
            string[] arguments =
            [
                "compare",
                .. Defaults.Where(d => !overrides.Contains(d.Option)).SelectMany(d => d.Value is null ? [d.Option] : new[] { d.Option, d.Value }),
                .. overrides,
            ];
            Console.Error.WriteLine($"dynamo-bench quick: {string.Join(' ', arguments)}");
            return runCompare(arguments);
        });
        return command;
    }
}
