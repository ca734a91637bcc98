using System.CommandLine;
using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Load;
using Dynamo.Orleans.Bench.Reports;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary><c>dynamo-bench run</c>: the workload against a server that is already running, at each concurrency of the sweep.</summary>
internal static class RunCommand
{
    public static Command Create(string[] args)
    {
        var workload = new WorkloadOptions();
        var output = new OutputOptions();
        var url = new Option<string>("--url") { Description = "the gateway's base address", DefaultValueFactory = _ => "http://127.0.0.1:8000/" };
        var modelName = new Option<string?>("--model-name") { Description = "model field of requests (default: the first of /v1/models)" };
        var deployment = new Option<string>("--label") { Description = "name of the deployment in the report", DefaultValueFactory = _ => "server" };
        var workers = new Option<int>("--worker-cores") { Description = "worker cores behind the server, for tokens/s per worker", DefaultValueFactory = _ => Environment.ProcessorCount };
        var command = new Command("run", "Run a workload against a running OpenAI-compatible server.");
        workload.AddTo(command);
        output.AddTo(command);
        foreach (var o in new Option[] { url, modelName, deployment, workers }) command.Options.Add(o);

        command.SetAction(async (r, cancellationToken) => await BenchErrors.Run(async () =>
        {
            var baseAddress = new Uri(r.GetValue(url)!.TrimEnd('/') + "/");
            var sla = workload.ServiceLevel(r);
            var levels = workload.ConcurrencyLevels(r);
            string? folder = output.ResultsFolder(r);
            string name = r.GetValue(output.Name)!, label = r.GetValue(deployment)!;
            // Per-request records go with the results when they are kept, to the temp folder otherwise.
            var recordsPath = Path.Combine(folder ?? Path.Combine(Path.GetTempPath(), "dynamo-bench"), $"{name}-records.jsonl");
            Directory.CreateDirectory(Path.GetDirectoryName(recordsPath)!);
            File.Delete(recordsPath);

            using var endpoint = new CompletionEndpoint(baseAddress, TimeSpan.FromSeconds(r.GetValue(output.RequestSeconds)));
            var model = r.GetValue(modelName) ?? await endpoint.FirstModelIdAsync(cancellationToken) ?? "default";
            var points = new List<MeasuredPoint>();
            int lost = 0;
            foreach (var c in levels)
            {
                using var log = new RequestLog(recordsPath, $"{label}/c{c}");
                var m = await PointMeasurement.RunAsync(endpoint, model, workload.Build(r, c), label, r.GetValue(workers), c, sla, log,
                                                        TimeSpan.FromSeconds(r.GetValue(output.PointSeconds)), cancellationToken);
                points.Add(m.Point);
                lost += m.Lost.Count;
            }
            var result = new ServingResult(CommandLineText.Of(args), DateTime.UtcNow, MachineDescription.Current(), model,
                workload.Build(r, levels[0]).Describe() + (levels.Count > 1 ? $" (concurrency swept over {string.Join(", ", levels)})" : ""),
                sla, [new DeploymentDescription(label, $"already running at {baseAddress}", r.GetValue(workers), [])], points, [],
                lost > 0 ? [$"{lost} requests were lost (error or wrong token count); see {recordsPath}"] : []);
            ResultFiles.Publish(result, folder, name, !r.GetValue(output.NoPlots));
            return lost == 0 ? 0 : BenchErrors.LostRequests(lost);
        }));
        return command;
    }
}
