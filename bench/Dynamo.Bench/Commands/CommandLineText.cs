namespace Dynamo.Orleans.Bench.Commands;

/// <summary>The command as a person would type it again, for the report: the way to run the benchmark from the repository root, then the arguments as given.</summary>
internal static class CommandLineText
{
    public static string Of(IEnumerable<string> args) =>
        "dotnet run --project bench/Dynamo.Bench -c Release -- " + string.Join(' ', args.Select(Quote));

    private static string Quote(string a) => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_.,:/=@".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'";
}
