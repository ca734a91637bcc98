using System.CommandLine;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary>
/// Where results go and how long one point may run. A benchmark writes files only when asked: <c>--out DIR</c>, or
/// <c>--record</c> for the repository's bench/results (the committed record). Otherwise it prints its report and writes
/// nothing but its per-request records beside the servers' logs in the temp folder.
/// </summary>
internal sealed class OutputOptions
{
    private readonly bool _plots;

    public OutputOptions(string defaultName = "serving", bool plots = true)
    {
        _plots = plots;
        Name = new("--name")
        {
            Description = plots ? "file name stem: NAME.json, NAME.md, NAME-*.svg, NAME-records.jsonl" : "file name stem: NAME.json, NAME.md",
            DefaultValueFactory = _ => defaultName,
        };
    }

    public Option<string?> Folder { get; } = new("--out") { Description = "write the results into this folder (default: print them, write nothing)" };
    public Option<bool> Record { get; } = new("--record") { Description = "write the results into the repository's bench/results (as --out bench/results from its root)" };

    /// <summary>The folder to write into, or null when the results are only printed.</summary>
    public string? ResultsFolder(ParseResult r) => r.GetValue(Folder) ?? (r.GetValue(Record)
        ? Path.Combine(Deployments.DynamoExecutable.RepositoryRoot() ?? throw new InvalidOperationException("--record: not inside the repository; give --out DIR"), "bench", "results")
        : null);

    public Option<string> Name { get; }
    public Option<double> PointSeconds { get; } = new("--max-point-seconds") { Description = "deadline of one sweep point; requests cut by it count as lost", DefaultValueFactory = _ => 600.0 };
    public Option<double> RequestSeconds { get; } = new("--request-timeout-seconds") { DefaultValueFactory = _ => 300.0 };
    public Option<bool> NoPlots { get; } = new("--no-plots") { Description = "skip the SVG plots" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Folder, Record, Name, PointSeconds, RequestSeconds }) command.Options.Add(o);
        if (_plots) command.Options.Add(NoPlots);
    }
}
