using System.Text.RegularExpressions;

namespace Dynamo.Orleans.Architecture.Tests;

/// <summary>
/// Reads the "Folder dependencies" section of docs/ARCHITECTURE.md: under a heading <c>### src/Project</c>, a table
/// whose rows are <c>| Folder | Used, Folders |</c> ("—" for none).
/// </summary>
public static partial class ArchitecturePage
{
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>> FolderDependencies()
    {
        var path = Path.Combine(SourceProject.RepositoryRoot(), "docs", "ARCHITECTURE.md");
        var result = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>>();
        Dictionary<string, IReadOnlySet<string>>? current = null;
        bool inSection = false;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal)) inSection = line.Trim() == "## Folder dependencies";
            if (!inSection) continue;
            if (Heading().Match(line) is { Success: true } heading)
            {
                result[heading.Groups[1].Value] = current = new Dictionary<string, IReadOnlySet<string>>();
                continue;
            }
            if (current is null || Row().Match(line) is not { Success: true } row) continue;
            var folder = row.Groups[1].Value.Trim().Trim('`');
            if (folder is "folder" || folder.StartsWith("---", StringComparison.Ordinal)) continue;
            var uses = row.Groups[2].Value.Trim();
            current[folder] = uses is "—" or ""
                ? new HashSet<string>()
                : uses.Split(',').Select(u => u.Trim().Trim('`')).ToHashSet();
        }
        return result;
    }

    [GeneratedRegex(@"^### `?(src/[\w/.]+)`?\s*$")]
    private static partial Regex Heading();

    [GeneratedRegex(@"^\|([^|]+)\|([^|]*)\|\s*$")]
    private static partial Regex Row();
}
