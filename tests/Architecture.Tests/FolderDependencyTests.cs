using Microsoft.CodeAnalysis;

namespace Dynamo.Orleans.Architecture.Tests;

/// <summary>
/// The folders of every src/ project depend on each other in one direction only, and docs/ARCHITECTURE.md's table of
/// folder dependencies says exactly what the code does.
/// </summary>
public sealed class FolderDependencyTests
{
    private static readonly Lazy<IReadOnlyList<(SourceProject Project, FolderGraph Graph)>> Projects = new(() =>
        SourceProject.LoadAll().Select(p => (p, FolderGraph.Build(p))).ToArray());

    public static TheoryData<string> ProjectNames() => new(SourceProject.LoadAll().Select(p => p.Name));

    [Theory, MemberData(nameof(ProjectNames))]
    public void Every_name_resolves_as_in_the_real_build(string project)
    {
        // An unresolved name would silently drop an edge: the analysis is only as good as the compilation it reads.
        // Source generators (regex, JSON, P/Invoke, Orleans) do not run here, so errors about what they would have
        // written are expected; a name that resolves to nothing at all is not.
        var compilation = Find(project).Project.Compilation;
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && UnresolvedName.Contains(d.Id))
            .Take(10).Select(d => d.ToString()).ToArray();
        Assert.True(errors.Length == 0, $"{project} does not compile as the tests read it:\n{string.Join("\n", errors)}");
    }

    [Theory, MemberData(nameof(ProjectNames))]
    public void Folders_depend_on_each_other_in_one_direction(string project)
    {
        var graph = Find(project).Graph;
        var cycles = graph.Cycles();
        Assert.True(cycles.Count == 0, $"{project} has folder cycles:\n" + string.Join("\n", cycles.Select(c => Describe(graph, c))));
    }

    [Theory, MemberData(nameof(ProjectNames))]
    public void The_architecture_page_lists_exactly_these_dependencies(string project)
    {
        var graph = Find(project).Graph;
        var documented = ArchitecturePage.FolderDependencies().GetValueOrDefault(project)
            ?? throw new Xunit.Sdk.XunitException($"docs/ARCHITECTURE.md has no folder table for {project}");
        var actual = graph.Pairs.Select(p => $"{p.From} → {p.To}").ToHashSet();
        var listed = documented.SelectMany(d => d.Value.Select(to => $"{d.Key} → {to}")).ToHashSet();
        var undocumented = actual.Except(listed).Order().Select(e => $"  {e} ({Names(graph, e)})").ToArray();
        var stale = listed.Except(actual).Order().Select(e => $"  {e}").ToArray();
        var unknownFolders = documented.Keys.Except(graph.Folders).Order().ToArray();
        var missingFolders = graph.Folders.Except(documented.Keys).Order().ToArray();
        Assert.True(undocumented.Length + stale.Length + unknownFolders.Length + missingFolders.Length == 0,
            $"docs/ARCHITECTURE.md's folder table for {project} is not true to the code:\n" +
            (undocumented.Length > 0 ? "used but not listed:\n" + string.Join("\n", undocumented) + "\n" : "") +
            (stale.Length > 0 ? "listed but not used:\n" + string.Join("\n", stale) + "\n" : "") +
            (unknownFolders.Length > 0 ? "rows for folders that do not exist: " + string.Join(", ", unknownFolders) + "\n" : "") +
            (missingFolders.Length > 0 ? "folders without a row: " + string.Join(", ", missingFolders) + "\n" : ""));
    }

    // The type or namespace could not be found; the name does not exist in the current context; not in the namespace.
    private static readonly HashSet<string> UnresolvedName = ["CS0246", "CS0103", "CS0234", "CS0426"];

    private static (SourceProject Project, FolderGraph Graph) Find(string name) => Projects.Value.Single(p => p.Project.Name == name);

    private static string Names(FolderGraph graph, string edge)
    {
        var parts = edge.Split(" → ");
        return string.Join(", ", graph.Edges[parts[0]][parts[1]].Take(5));
    }

    private static string Describe(FolderGraph graph, IReadOnlyList<string> cycle) =>
        "  " + string.Join("; ", graph.Pairs.Where(p => cycle.Contains(p.From) && cycle.Contains(p.To))
            .Select(p => $"{p.From} → {p.To} ({string.Join(", ", graph.Edges[p.From][p.To].Take(4))})"));
}
