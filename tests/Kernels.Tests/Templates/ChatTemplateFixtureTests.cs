using System.Text.Json;
using Dynamo.Orleans.Kernels.Templates;

namespace Dynamo.Orleans.Kernels.Tests.Templates;

/// <summary>
/// Real model templates rendered over a set of conversations must match, byte for byte, what Hugging Face's
/// @huggingface/jinja produced (Fixtures/render-fixtures.mjs wrote Fixtures/expected/*.json).
/// </summary>
public sealed class ChatTemplateFixtureTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var file in Directory.GetFiles(Path.Combine(FixtureDirectory.Path, "expected"), "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
                data.Add(Path.GetFileNameWithoutExtension(file), c.GetProperty("name").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Renders_like_hugging_face(string model, string caseName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureDirectory.Path, "expected", model + ".json")));
        var template = ChatTemplate.Parse(File.ReadAllText(Path.Combine(FixtureDirectory.Path, doc.RootElement.GetProperty("template").GetString()!)));
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().Single(x => x.GetProperty("name").GetString() == caseName);

        var messages = c.GetProperty("messages").EnumerateArray()
            .Select(m => new ChatMessage(m.GetProperty("role").GetString()!, m.GetProperty("content").GetString()!))
            .ToList();
        var variables = c.GetProperty("variables").EnumerateObject()
            .ToDictionary(p => p.Name, p => (object?)(p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.Clone()));
        var addGenerationPrompt = c.GetProperty("add_generation_prompt").GetBoolean();

        if (c.TryGetProperty("expected_error", out var error))
        {
            var ex = Assert.Throws<ChatTemplateException>(() => template.Render(messages, addGenerationPrompt, variables));
            Assert.Equal(error.GetString(), ex.Message);
            Assert.True(ex.RaisedByTemplate);
        }
        else
        {
            Assert.Equal(c.GetProperty("expected").GetString(), template.Render(messages, addGenerationPrompt, variables));
        }
    }
}

internal static class FixtureDirectory
{
    /// <summary>The fixtures stay in the source tree (the test project is not ours to change), found upward from the test binaries.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "Kernels.Tests", "Templates", "Fixtures");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/Kernels.Tests/Templates/Fixtures not found above " + AppContext.BaseDirectory);
    }
}
