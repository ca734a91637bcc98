using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Bench.Reports;

/// <summary>A report's two files side by side: <c>NAME.json</c> for machines, <c>NAME.md</c> for people.</summary>
public static class ReportFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static (string Json, string Markdown) Write(JsonObject json, string markdown, string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var jsonPath = Path.Combine(folder, name + ".json");
        var mdPath = Path.Combine(folder, name + ".md");
        File.WriteAllText(jsonPath, json.ToJsonString(Indented) + "\n");
        File.WriteAllText(mdPath, markdown);
        return (jsonPath, mdPath);
    }
}
