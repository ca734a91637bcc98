using System.CommandLine;
using System.Globalization;
using Dynamo.Orleans.Bench.Client;
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
        var model = new Option<string>("--model") { Description = "benchmark model: tiny or tinyllama:LAYERS", DefaultValueFactory = _ => "tinyllama:2" };
        var cache = new Option<string>("--model-cache") { Description = "folder of generated benchmark models", DefaultValueFactory = _ => BenchModel.DefaultCacheFolder() };
        var dynamo = new Option<string?>("--dynamo") { Description = "dynamo.dll or executable (default: src/Silo's build output)" };
        var deployments = new Option<string>("--deployments")
        {
            Description = "comma list of aggregated, aggregated@chunkN (every worker gets --max-batched-tokens N, N >= 64), disaggregated (dynamo's default threshold), " +
                          "disaggregated@THRESHOLD (prompts shorter than THRESHOLD prefill on the decode worker), all-in-one",
            DefaultValueFactory = _ => "aggregated,disaggregated,all-in-one",
        };
        var cores = new Option<string>("--cores") { Description = "cores the two workers are pinned to", DefaultValueFactory = _ => "0,1" };
        var workerArgs = new Option<string[]>("--worker-arg") { Description = "extra argument for worker silos (repeat), e.g. --worker-arg=--kv-transport --worker-arg=sharedmemory", AllowMultipleArgumentsPerToken = false };
        var primaryRole = new Option<string>("--primary-role") { Description = "--role value of the HTTP-only primary", DefaultValueFactory = _ => "none" };
        var startSeconds = new Option<double>("--start-timeout-seconds") { DefaultValueFactory = _ => 240.0 };
        var command = new Command(name, description);
        workload.AddTo(command);
        output.AddTo(command);
        foreach (var o in new Option[] { model, cache, dynamo, deployments, cores, workerArgs, primaryRole, startSeconds }) command.Options.Add(o);

        command.SetAction(async (r, cancellationToken) => await BenchErrors.Run(async () =>
        {
            var benchModel = BenchModel.Parse(r.GetValue(model)!);
            var sla = workload.ServiceLevel(r);
            var levels = workload.ConcurrencyLevels(r);
            var executable = DynamoExecutable.Locate(r.GetValue(dynamo));
            var written = benchModel.EnsureWritten(r.GetValue(cache)!, executable);
            var longest = workload.Build(r, levels[0]).Classes.Max(c => c.MaxPromptTokens + c.Output.Max);
            if (longest > written.ContextTokens)
                throw new ArgumentException($"the workload's longest request ({longest} tokens with its answer) exceeds {benchModel.Name}'s context of {written.ContextTokens}");
            var folder = written.Folder;
            var coreList = r.GetValue(cores)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(c => int.Parse(c, NumberStyles.None, CultureInfo.InvariantCulture)).ToList();
            var settings = new ServeSettings(folder, coreList, r.GetValue(workerArgs) ?? [], r.GetValue(primaryRole)!);
            var plans = r.GetValue(deployments)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(d => DeploymentPlan.Parse(d, settings)).ToList();

            string outFolder = r.GetValue(output.Folder)!, stem = r.GetValue(output.Name)!;
            var recordsPath = Path.Combine(outFolder, $"{stem}-records.jsonl");
            var logFolder = Path.Combine(Path.GetTempPath(), "dynamo-bench", $"{stem}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            Directory.CreateDirectory(outFolder);
            File.Delete(recordsPath);
            var deadline = TimeSpan.FromSeconds(r.GetValue(output.PointSeconds));
            var points = new List<MeasuredPoint>();
            var notes = new List<string>();
            int lost = 0, failedDeployments = 0;

            foreach (var plan in plans)
            {
                Console.Error.WriteLine($"dynamo-bench: starting {plan.Name} ({plan.Processes.Count} processes; logs in {logFolder})");
                try
                {
                    await using var running = await RunningDeployment.StartAsync(plan, executable, logFolder, TimeSpan.FromSeconds(r.GetValue(startSeconds)), cancellationToken);
                    using var endpoint = new CompletionEndpoint(plan.BaseAddress, TimeSpan.FromSeconds(r.GetValue(output.RequestSeconds)));
                    var modelName = await endpoint.FirstModelIdAsync(cancellationToken) ?? benchModel.Name;
                    foreach (var c in levels)
                    {
                        using var log = new RequestLog(recordsPath, $"{plan.Name}/c{c}");
                        var m = await PointMeasurement.RunAsync(endpoint, modelName, workload.Build(r, c), plan.Name, plan.WorkerCores, c, sla, log, deadline, cancellationToken);
                        points.Add(m.Point);
                        lost += m.Lost.Count;
                        if (m.Lost.Count > 0)
                            notes.Add($"{plan.Name} at concurrency {c}: {m.Lost.Count} requests lost, first: {m.Lost[0].Error ?? $"{m.Lost[0].OutputTokens} of {m.Lost[0].ExpectedOutputTokens} tokens"}");
                        running.EnsureRunning();
                    }
                }
                catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
                {
                    // One deployment that cannot start or dies is reported and the others still run; the exit code says it failed.
                    failedDeployments++;
                    notes.Add($"{plan.Name} failed: {e.Message.Split('\n')[0]}");
                    Console.Error.WriteLine($"dynamo-bench: {plan.Name} failed: {e.Message}");
                }
                Console.Error.WriteLine($"dynamo-bench: stopped {plan.Name}");
            }

            var comparisons = DeploymentPlan.ComparisonPairs(plans.Select(p => p.Name).ToList())
                .SelectMany(pair => DeploymentComparison.Between(points, pair.Baseline, pair.Candidate)).ToList();
            var result = new ServingResult(CommandLineText.Of(args), DateTime.UtcNow, MachineDescription.Current(), written.Description,
                workload.Build(r, levels[0]).Describe() + $" (decode concurrency swept over {string.Join(", ", levels)})", sla,
                plans.Select(p => new DeploymentDescription(p.Name, p.Description, p.WorkerCores,
                    p.Processes.Select(s => (s.Core is { } core ? $"taskset --cpu-list {core} " : "") + "dynamo serve " + string.Join(' ', s.Arguments)).ToList())).ToList(),
                points, comparisons, notes);
            ResultFiles.Publish(result, outFolder, stem, !r.GetValue(output.NoPlots));
            if (failedDeployments > 0)
            {
                Console.Error.WriteLine($"dynamo-bench: FAILED: {failedDeployments} deployment(s) did not complete; logs in {logFolder}");
                return 1;
            }
            return lost == 0 ? 0 : BenchErrors.LostRequests(lost);
        }));
        return command;
    }
}
