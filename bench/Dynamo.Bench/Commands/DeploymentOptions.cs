using System.CommandLine;
using System.Globalization;
using Dynamo.Orleans.Bench.Deployments;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary>
/// The options of commands that start their own deployments (<c>compare</c>, <c>routing</c>): which model, which
/// <c>dynamo</c>, which cores the workers are pinned to, extra worker arguments, and how long a deployment may take to start.
/// </summary>
internal sealed class DeploymentOptions
{
    public Option<string> Model { get; } = new("--model") { Description = "benchmark model: tiny or tinyllama:LAYERS", DefaultValueFactory = _ => "tinyllama:2" };
    public Option<string> ModelCache { get; } = new("--model-cache") { Description = "folder of generated benchmark models", DefaultValueFactory = _ => BenchModel.DefaultCacheFolder() };
    public Option<string?> Dynamo { get; } = new("--dynamo") { Description = "dynamo.dll or executable (default: src/Silo's build output)" };
    public Option<string> Cores { get; } = new("--cores") { Description = "cores the two workers are pinned to", DefaultValueFactory = _ => "0,1" };
    public Option<string[]> WorkerArgs { get; } = new("--worker-arg")
    {
        Description = "extra argument for worker silos (repeat), e.g. --worker-arg=--kv-transport --worker-arg=sharedmemory", AllowMultipleArgumentsPerToken = false,
    };
    public Option<string> PrimaryRole { get; } = new("--primary-role") { Description = "--role value of the HTTP-only primary", DefaultValueFactory = _ => "none" };
    public Option<double> StartSeconds { get; } = new("--start-timeout-seconds") { DefaultValueFactory = _ => 240.0 };

    public void AddTo(Command command)
    {
        foreach (var o in new Option[] { Model, ModelCache, Dynamo, Cores, WorkerArgs, PrimaryRole, StartSeconds }) command.Options.Add(o);
    }

    /// <summary>Finds <c>dynamo</c>, has it write the model if it is not cached yet, and gathers what every deployment shares.</summary>
    public DeploymentSetup Prepare(ParseResult r)
    {
        var benchModel = BenchModel.Parse(r.GetValue(Model)!);
        var executable = DynamoExecutable.Locate(r.GetValue(Dynamo));
        var written = benchModel.EnsureWritten(r.GetValue(ModelCache)!, executable);
        var cores = r.GetValue(Cores)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out int core) ? core : throw new ArgumentException($"--cores: '{c}' is not a core number"))
            .ToList();
        if (cores.Count == 0) throw new ArgumentException("--cores: no core given");
        var settings = new ServeSettings(written.Folder, cores, r.GetValue(WorkerArgs) ?? [], r.GetValue(PrimaryRole)!);
        return new DeploymentSetup(benchModel, executable, written, settings, TimeSpan.FromSeconds(r.GetValue(StartSeconds)));
    }
}

/// <summary>What the deployments of one invocation share: the model (as named and as written), the <c>dynamo</c> to start, the serve settings and the start timeout.</summary>
internal sealed record DeploymentSetup(BenchModel Model, DynamoExecutable Dynamo, WrittenBenchModel Written, ServeSettings Settings, TimeSpan StartTimeout)
{
    /// <summary>A request longer than the model's context would be refused by the server: say so before anything starts.</summary>
    public void RequireContext(int tokens)
    {
        if (tokens > Written.ContextTokens)
            throw new ArgumentException($"the workload's longest request ({tokens} tokens with its answer) exceeds {Model.Name}'s context of {Written.ContextTokens}");
    }
}
