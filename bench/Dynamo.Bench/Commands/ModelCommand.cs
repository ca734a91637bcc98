using System.CommandLine;
using Dynamo.Orleans.Bench.Deployments;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary><c>dynamo-bench model</c>: writes the benchmark model into the cache (if it is not there) and prints its folder, for <c>dynamo serve --model</c> by hand.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "tiny or tinyllama:LAYERS", DefaultValueFactory = _ => "tinyllama:2" };
        var cache = new Option<string>("--model-cache") { DefaultValueFactory = _ => BenchModel.DefaultCacheFolder() };
        var command = new Command("model", "Write the benchmark model (random weights) and print its folder.") { model, cache };
        command.SetAction((r, _) => BenchErrors.Run(() =>
        {
            var benchModel = BenchModel.Parse(r.GetValue(model)!);
            Console.WriteLine(benchModel.EnsureWritten(r.GetValue(cache)!));
            Console.Error.WriteLine(benchModel.Describe());
            return Task.FromResult(0);
        }));
        return command;
    }
}
