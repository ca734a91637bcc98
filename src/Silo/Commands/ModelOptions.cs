using System.CommandLine;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Runtime;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>The options every command that loads a model shares.</summary>
internal sealed class ModelOptions
{
    public Option<string?> Model { get; } = new("--model") { Description = "Hugging Face model folder (default: the embedded default model, random weights)" };
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
    public Option<string> DType { get; } = new("--dtype") { Description = "auto, bfloat16 or float32", DefaultValueFactory = _ => "auto" };
    public Option<int?> Threads { get; } = new("--threads") { Description = "compute threads (default: all cores)" };
    public Option<string?> LibTorch { get; } = new("--libtorch") { Description = $"load libtorch from this folder (e.g. PyTorch's torch/lib, with CUDA) instead of the packaged CPU build (default: {LibTorchLocation.EnvironmentVariable})" };

    public void AddTo(Command command)
    {
        command.Options.Add(Model);
        command.Options.Add(Device);
        command.Options.Add(DType);
        command.Options.Add(Threads);
        command.Options.Add(LibTorch);
    }

    /// <summary>The engine options; loads libtorch from <c>--libtorch</c> (or the environment) first, before any torch call.</summary>
    public EngineOptions Read(ParseResult result)
    {
        LibTorchLocation.Use(result.GetValue(LibTorch));
        return ReadOptions(result);
    }

    private EngineOptions ReadOptions(ParseResult result) => new()
    {
        Model = result.GetValue(Model),
        Device = result.GetValue(Device)!,
        DType = result.GetValue(DType)!,
        Threads = result.GetValue(Threads),
    };
}
