using System.Diagnostics;
using System.Text.Json;

namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// The model the benchmark serves, written once by <c>dynamo model synthetic</c> (random weights, GPT-2 tokenizer) into
/// a cache folder and reused: "tiny" for the quick CI run, or a TinyLlama-shaped model with a few layers — big enough
/// that prefilling a long prompt keeps a core busy for seconds, which is the interference disaggregation removes.
/// The benchmark asks the product to write it, so it never links the model runtime itself.
/// </summary>
public sealed record BenchModel(string Name, IReadOnlyList<string> SyntheticArguments)
{
    public static BenchModel Tiny { get; } = new("tiny", ["--preset", "tiny"]);

    public static BenchModel TinyLlamaShaped(int layers) =>
        new($"tinyllama-shaped-{layers}l-bf16", ["--preset", "tinyllama", "--layers", layers.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    public static BenchModel Parse(string text)
    {
        if (text == "tiny") return Tiny;
        if (text.StartsWith("tinyllama:", StringComparison.Ordinal) && int.TryParse(text["tinyllama:".Length..], out int layers) && layers > 0)
            return TinyLlamaShaped(layers);
        throw new ArgumentException($"--model '{text}' is not 'tiny' or 'tinyllama:LAYERS'");
    }

    /// <summary>The model's folder under <paramref name="cacheFolder"/>, written first by <paramref name="dynamo"/> if it is not there yet.</summary>
    public WrittenBenchModel EnsureWritten(string cacheFolder, DynamoExecutable dynamo)
    {
        var folder = Path.Combine(cacheFolder, Name);
        if (!File.Exists(Path.Combine(folder, "config.json")))
        {
            Console.Error.WriteLine($"dynamo-bench: writing the benchmark model {Name} to {folder}");
            Directory.CreateDirectory(cacheFolder);
            // dynamo writes beside the folder and renames it into place; --force replaces a leftover without config.json.
            Run(dynamo, ["model", "synthetic", "--out", folder, "--force", .. SyntheticArguments]);
        }
        return WrittenBenchModel.Read(Name, folder);
    }

    private static void Run(DynamoExecutable dynamo, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(dynamo.Host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in dynamo.HostArguments.Concat(arguments)) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {dynamo.Path}");
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dynamo {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {error.Result.Trim()}");
    }

    public static string DefaultCacheFolder() =>
        Environment.GetEnvironmentVariable("DYNAMO_BENCH_CACHE") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dynamo-bench", "models");
}

/// <summary>
/// A benchmark model on disk, described from its own config.json. <see cref="KvBytesPerToken"/> is what one token's keys
/// and values take in the KV cache (2 × layers × KV heads × head size × element size, as the engine sizes its blocks),
/// so that a benchmark can tell whether a cache budget holds its users' contexts.
/// </summary>
public sealed record WrittenBenchModel(string Name, string Folder, int ContextTokens, string Description, long KvBytesPerToken = 0)
{
    public static WrittenBenchModel Read(string name, string folder)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "config.json")));
        var c = config.RootElement;
        int Int(string key) => c.GetProperty(key).GetInt32();
        int context = Int("max_position_embeddings"), hidden = Int("hidden_size");
        var shape = hidden >= 1024
            ? $"TinyLlama-1.1B layer shapes (hidden {hidden}, intermediate {Int("intermediate_size")}, {Int("num_attention_heads")} heads / {Int("num_key_value_heads")} kv heads)"
            : $"hidden {hidden}";
        var description = $"{name}: {shape}, {Int("num_hidden_layers")} layers, {c.GetProperty("torch_dtype").GetString()}, random weights, " +
                          $"GPT-2 tokenizer (vocab {Int("vocab_size"):N0}), context {context}";
        int heads = Int("num_attention_heads");
        int kvHeads = c.TryGetProperty("num_key_value_heads", out var kv) ? kv.GetInt32() : heads;
        int headDim = c.TryGetProperty("head_dim", out var hd) && hd.ValueKind == JsonValueKind.Number ? hd.GetInt32() : hidden / heads;
        int elementBytes = c.GetProperty("torch_dtype").GetString() is "float32" ? 4 : 2;
        return new WrittenBenchModel(name, folder, context, description, 2L * Int("num_hidden_layers") * kvHeads * headDim * elementBytes);
    }
}
