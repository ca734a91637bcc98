using Dynamo.Orleans.Kernels.Checkpoints;

namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// The model the benchmark serves, generated once (random weights, GPT-2 tokenizer) into a cache folder and reused:
/// "tiny" for the quick CI run, or a TinyLlama-shaped model with a few layers — big enough that prefilling a long prompt
/// keeps a core busy for seconds, which is the interference disaggregation removes.
/// </summary>
public sealed record BenchModel(string Name, SyntheticModelOptions Options, int ContextTokens)
{
    public static BenchModel Tiny { get; } = new("tiny", SyntheticModelOptions.Tiny, SyntheticModelOptions.Tiny.MaxPositionEmbeddings);

    public static BenchModel TinyLlamaShaped(int layers)
    {
        var options = SyntheticModelOptions.TinyLlamaShaped(layers);
        return new($"tinyllama-shaped-{layers}l-bf16", options, options.MaxPositionEmbeddings);
    }

    public static BenchModel Parse(string text)
    {
        if (text == "tiny") return Tiny;
        if (text.StartsWith("tinyllama:", StringComparison.Ordinal) && int.TryParse(text["tinyllama:".Length..], out int layers) && layers > 0)
            return TinyLlamaShaped(layers);
        throw new ArgumentException($"--model '{text}' is not 'tiny' or 'tinyllama:LAYERS'");
    }

    public string Describe() => Options.HiddenSize >= 1024
        ? $"{Name}: TinyLlama-1.1B layer shapes (hidden {Options.HiddenSize}, intermediate {Options.IntermediateSize}, {Options.NumHeads} heads / {Options.NumKeyValueHeads} kv heads), {Options.NumLayers} layers, bf16, random weights, GPT-2 tokenizer (vocab 50,304), context {ContextTokens}"
        : $"{Name}: hidden {Options.HiddenSize}, {Options.NumLayers} layers, bf16, random weights, GPT-2 tokenizer, context {ContextTokens}";

    /// <summary>The model's folder under <paramref name="cacheFolder"/>, written first if it is not there yet.</summary>
    public string EnsureWritten(string cacheFolder)
    {
        var folder = Path.Combine(cacheFolder, Name);
        if (File.Exists(Path.Combine(folder, "config.json"))) return folder;
        // Written beside and renamed into place, so that an interrupted write never leaves a half model to be reused.
        var partial = folder + $".partial-{Environment.ProcessId}";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        Console.Error.WriteLine($"dynamo-bench: writing the benchmark model {Name} to {folder}");
        SyntheticModelFolder.Write(partial, Options);
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(partial, folder);
        return folder;
    }

    public static string DefaultCacheFolder() =>
        Environment.GetEnvironmentVariable("DYNAMO_BENCH_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dynamo-bench", "models");
}
