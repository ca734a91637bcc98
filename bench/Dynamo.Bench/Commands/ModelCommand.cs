using System.CommandLine;
using Dynamo.Orleans.Bench.Deployments;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary><c>dynamo-bench model</c>: has <c>dynamo model synthetic</c> write the benchmark model into the cache (if it is not there) and prints its folder, for <c>dynamo serve --model</c> by hand.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "tiny or tinyllama:LAYERS", DefaultValueFactory = _ => "tinyllama:2" };
        var cache = new Option<string>("--model-cache") { DefaultValueFactory = _ => BenchModel.DefaultCacheFolder() };
        var dynamo = new Option<string?>("--dynamo") { Description = "dynamo.dll or executable that writes the model (default: src/Silo's build output)" };
        var command = new Command("model", "Write the benchmark model (random weights) and print its folder.") { model, cache, dynamo };
        command.SetAction((r, _) => BenchErrors.Run(() =>
        {
            var benchModel = BenchModel.Parse(r.GetValue(model)!);
            var written = benchModel.EnsureWritten(r.GetValue(cache)!, DynamoExecutable.Locate(r.GetValue(dynamo)));
            Console.WriteLine(written.Folder);
            Console.Error.WriteLine(written.Description);
            return Task.FromResult(0);
        }));
        return command;
    }
}
