namespace Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

/// <summary>
/// The model used when none is named: a small Llama-architecture checkpoint with RANDOM weights and GPT-2's real
/// tokenizer, generated deterministically on first use into a cache folder. Its output is gibberish by design: it
/// exists so the server runs end to end on a fresh machine with no model download.
/// </summary>
public static class DefaultModel
{
    /// <summary>Bump when the generated content changes, so stale caches are not reused.</summary>
    public const string Name = "dynamo-default-llama-v1";

    public static SyntheticModelOptions Options { get; } = new()
    {
        Architecture = ModelArchitecture.Llama,
        HiddenSize = 256,
        IntermediateSize = 704,
        NumLayers = 4,
        NumHeads = 8,
        NumKeyValueHeads = 4,
        MaxPositionEmbeddings = 4096,
        Dtype = SafetensorsDtype.BF16,
        TieWordEmbeddings = true,
        Seed = 20261126,
    };

    /// <summary>The cache root: DYNAMO_CACHE, else XDG_CACHE_HOME/dynamo-orleans, else ~/.cache/dynamo-orleans.</summary>
    public static string CacheRoot =>
        Environment.GetEnvironmentVariable("DYNAMO_CACHE") is { Length: > 0 } explicitRoot ? explicitRoot
        : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? Path.Combine(xdg, "dynamo-orleans")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "dynamo-orleans");

    /// <summary>The folder a "model" option names, as a full path; the default model's folder when it names none.</summary>
    public static string Or(string? model) => model is { Length: > 0 } m ? Path.GetFullPath(m) : Ensure();

    /// <summary>Returns the default model's folder, generating it first if needed. Safe when several processes race.</summary>
    public static string Ensure(string? cacheRoot = null)
    {
        var folder = Path.Combine(cacheRoot ?? CacheRoot, "models", Name);
        if (File.Exists(Path.Combine(folder, "config.json"))) return folder;
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        // Generate beside the target and rename: a reader never sees a half-written folder.
        var staging = folder + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        SyntheticModelFolder.Write(staging, Options);
        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException) when (File.Exists(Path.Combine(folder, "config.json")))
        {
            Directory.Delete(staging, recursive: true); // another process won the race with identical content
        }
        return folder;
    }
}
