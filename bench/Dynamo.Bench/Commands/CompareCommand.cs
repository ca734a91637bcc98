using System.CommandLine;
using Dynamo.Orleans.Bench.Deployments;
using Dynamo.Orleans.Bench.Load;
using Dynamo.Orleans.Bench.Reports;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary>
/// <c>dynamo-bench compare</c>: starts each deployment itself (child <c>dynamo serve</c> processes, workers pinned to a
/// core each), runs the same workload sweep on it, stops it, and reports the deployments side by side with ratios
/// against the aggregated one. Deployments are run one after another so that they never share the cores.
/// </summary>
internal static class CompareCommand
{
    public static Command Create(string name, string description, string[] args)
    {
        var workload = new WorkloadOptions();
        var output = new OutputOptions();
        var deploymentOptions = new DeploymentOptions();
        var deployments = new Option<string>("--deployments")
        {
            Description = "comma list of aggregated, aggregated@chunkN (every worker gets --max-batched-tokens N, N >= 64), disaggregated (dynamo's default threshold), " +
                          "disaggregated@THRESHOLD (prompts shorter than THRESHOLD prefill on the decode worker), all-in-one, all-in-one@reserved-core (the old default: every core but one, no nice)",
            DefaultValueFactory = _ => "aggregated,disaggregated,all-in-one",
        };
        var command = new Command(name, description);
        workload.AddTo(command);
        output.AddTo(command);
        deploymentOptions.AddTo(command);
        command.Options.Add(deployments);

        command.SetAction(async (r, cancellationToken) => await BenchErrors.Run(async () =>
        {
            var sla = workload.ServiceLevel(r);
            var levels = workload.ConcurrencyLevels(r);
            var setup = deploymentOptions.Prepare(r);
            setup.RequireContext(workload.Build(r, levels[0]).Classes.Max(c => c.MaxPromptTokens + c.Output.Max));
            var plans = r.GetValue(deployments)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(d => DeploymentPlan.Parse(d, setup.Settings)).ToList();

            string? outFolder = output.ResultsFolder(r);
            string stem = r.GetValue(output.Name)!;
            var deadline = TimeSpan.FromSeconds(r.GetValue(output.PointSeconds));
            var series = new DeploymentSeries(setup, TimeSpan.FromSeconds(r.GetValue(output.RequestSeconds)), DeploymentSeries.NewLogFolder(stem));
            // Per-request records go with the results when they are kept, beside the servers' logs otherwise.
            var recordsPath = Path.Combine(outFolder ?? series.LogFolder, $"{stem}-records.jsonl");
            Directory.CreateDirectory(Path.GetDirectoryName(recordsPath)!);
            File.Delete(recordsPath);
            var points = new List<MeasuredPoint>();

            foreach (var plan in plans)
            {
                await series.RunAsync(plan, async (running, endpoint, modelName) =>
                {
                    foreach (var c in levels)
                    {
                        using var log = new RequestLog(recordsPath, $"{plan.Name}/c{c}");
                        var m = await PointMeasurement.RunAsync(endpoint, modelName, workload.Build(r, c), plan.Name, plan.WorkerCores, c, sla, log, deadline, cancellationToken);
                        points.Add(m.Point);
                        series.Count(m, $"{plan.Name} at concurrency {c}");
                        running.EnsureRunning();
                    }
                }, cancellationToken);
            }

            var comparisons = DeploymentPlan.ComparisonPairs(plans.Select(p => p.Name).ToList())
                .SelectMany(pair => DeploymentComparison.Between(points, pair.Baseline, pair.Candidate)).ToList();
            var result = new ServingResult(CommandLineText.Of(args), DateTime.UtcNow, MachineDescription.Current(), setup.Written.Description,
                workload.Build(r, levels[0]).Describe() + $" (decode concurrency swept over {string.Join(", ", levels)})", sla,
                plans.Select(DeploymentDescription.Of).ToList(), points, comparisons, series.Notes);
            ResultFiles.Publish(result, outFolder, stem, !r.GetValue(output.NoPlots));
            return series.ExitCode();
        }));
        return command;
    }
}
