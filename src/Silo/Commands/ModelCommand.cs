using System.CommandLine;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>
/// <c>dynamo model synthetic</c>: writes a Hugging Face-format checkpoint with seeded random weights and GPT-2's real
/// tokenizer — what tests, benchmarks and a first try need on a machine with no model download. The same options
/// always give the same bytes.
/// </summary>
internal static class ModelCommand
{
    /// <summary>The shapes to start from; the other options change one thing of it.</summary>
    private static readonly Dictionary<string, SyntheticModelOptions> Presets = new(StringComparer.Ordinal)
    {
        ["tiny"] = SyntheticModelOptions.Tiny,
        ["default"] = DefaultModel.Options,
        ["tinyllama"] = SyntheticModelOptions.TinyLlamaShaped(),
        ["llama3.2-1b"] = SyntheticModelOptions.Llama32OneBShaped(),
    };

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "folder to write (must not exist or be empty)", Required = true };
        var preset = new Option<string>("--preset")
        {
            Description = "tiny (hidden 64, 2 layers), default (the embedded default model), tinyllama (TinyLlama-1.1B layer shapes, 4 layers), " +
                          "llama3.2-1b (Llama-3.2-1B shapes: 16 layers, vocabulary 128256, 2.5 GB)",
            DefaultValueFactory = _ => "tiny",
        };
        preset.AcceptOnlyFromAmong([.. Presets.Keys]);
        var layers = new Option<int?>("--layers") { Description = "number of decoder layers (default: the preset's)" };
        var architecture = new Option<ModelArchitecture?>("--architecture") { Description = "Llama, Mistral or Qwen2 (default: the preset's)" };
        var dtype = new Option<string?>("--dtype") { Description = "BF16, F16 or F32 (default: the preset's)" };
        var context = new Option<int?>("--max-position-embeddings") { Description = "context window in tokens (default: the preset's)" };
        var seed = new Option<long?>("--seed") { Description = "seed of the random weights (default: the preset's)" };
        var force = new Option<bool>("--force") { Description = "replace a folder that is not empty" };
        var synthetic = new Command("synthetic", "Write a synthetic checkpoint (random weights, GPT-2 tokenizer) in Hugging Face format.")
        {
            output, preset, layers, architecture, dtype, context, seed, force,
        };
        synthetic.SetAction(result => CommandErrors.Run(() =>
        {
            var options = Presets[result.GetValue(preset)!];
            if (result.GetValue(layers) is { } l) options = options with { NumLayers = l };
            if (result.GetValue(architecture) is { } a) options = options with { Architecture = a };
            if (result.GetValue(dtype) is { } d)
                options = options with
                {
                    Dtype = SafetensorsDtypes.TryParse(d.ToUpperInvariant(), out var parsed) ? parsed
                        : throw new ArgumentException($"--dtype '{d}' is not BF16, F16 or F32"),
                };
            if (result.GetValue(context) is { } c) options = options with { MaxPositionEmbeddings = c };
            if (result.GetValue(seed) is { } s) options = options with { Seed = s };
            var folder = Path.GetFullPath(result.GetValue(output)!);
            Write(folder, options, result.GetValue(force));
            Console.WriteLine($"{folder}: {options.Architecture}, hidden {options.HiddenSize}, {options.NumLayers} layers, " +
                              $"{options.NumHeads} heads / {options.NumKeyValueHeads} kv heads, {options.Dtype.HeaderName()}, context {options.MaxPositionEmbeddings}");
            return Task.FromResult(0);
        }).GetAwaiter().GetResult());
        return new Command("model", "Model folders: write a synthetic one.") { synthetic };
    }

    private static void Write(string folder, SyntheticModelOptions options, bool force)
    {
        if (File.Exists(folder)) throw new ArgumentException($"--out {folder} is a file");
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any() && !force)
            throw new ArgumentException($"--out {folder} is not empty (use --force to replace it)");
        // Written beside and renamed into place: an interrupted run never leaves a half model that looks whole.
        var partial = $"{folder}.partial-{Environment.ProcessId}";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        try
        {
            SyntheticModelFolder.Write(partial, options);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.Move(partial, folder);
        }
        catch
        {
            if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
            throw;
        }
    }
}
