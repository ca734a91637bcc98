using System.CommandLine;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary>Where results go and how long one point may run.</summary>
internal sealed class OutputOptions
{
    public Option<string> Folder { get; } = new("--out") { Description = "results folder", DefaultValueFactory = _ => "bench/results" };
    public Option<string> Name { get; } = new("--name") { Description = "file name stem: NAME.json, NAME.md, NAME-*.svg, NAME-records.jsonl", DefaultValueFactory = _ => "serving" };
    public Option<double> PointSeconds { get; } = new("--max-point-seconds") { Description = "deadline of one sweep point; requests cut by it count as lost", DefaultValueFactory = _ => 600.0 };
    public Option<double> RequestSeconds { get; } = new("--request-timeout-seconds") { DefaultValueFactory = _ => 300.0 };
    public Option<bool> NoPlots { get; } = new("--no-plots") { Description = "skip the SVG plots" };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Folder, Name, PointSeconds, RequestSeconds, NoPlots }) command.Options.Add(o);
    }
}
