using System.CommandLine;
using Dynamo.Orleans.Kernels.Engine;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>The options every command that loads a model shares.</summary>
internal sealed class ModelOptions
{
    public Option<string?> Model { get; } = new("--model") { Description = "Hugging Face model folder (default: the embedded default model, random weights)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
    public Option<string> DType { get; } = new("--dtype") { Description = "auto, bfloat16 or float32", DefaultValueFactory = _ => "auto" };
    public Option<int?> Threads { get; } = new("--threads") { Description = "compute threads (default: all cores)" };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Device);
        command.Options.Add(DType);
        command.Options.Add(Threads);
    }

    public EngineOptions Read(ParseResult result) => new()
    {
        Model = result.GetValue(Model),
        Device = result.GetValue(Device)!,
        DType = result.GetValue(DType)!,
        Threads = result.GetValue(Threads),
    };
}
