using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Dynamo.Orleans.Architecture.Tests;

/// <summary>
/// Which folders of one project use which: folder A uses folder B when code in A names a type, or a member of a type,
/// that is declared in B (doc comments do not count). The project's top folder is called ".".
/// </summary>
public sealed class FolderGraph
{
    private FolderGraph(string project, IReadOnlyDictionary<string, SortedDictionary<string, SortedSet<string>>> edges, IReadOnlySet<string> folders)
    {
        Project = project;
        Edges = edges;
        Folders = folders;
    }

    public string Project { get; }
    public IReadOnlySet<string> Folders { get; }

    /// <summary>Folder → used folder → the type names that make the edge (for messages).</summary>
    public IReadOnlyDictionary<string, SortedDictionary<string, SortedSet<string>>> Edges { get; }

    public IEnumerable<(string From, string To)> Pairs =>
        Edges.SelectMany(e => e.Value.Keys.Select(to => (e.Key, to)));

    public static FolderGraph Build(SourceProject project)
    {
        var edges = new SortedDictionary<string, SortedDictionary<string, SortedSet<string>>>(StringComparer.Ordinal);
        var folders = new SortedSet<string>(StringComparer.Ordinal);
        var ownTrees = project.Compilation.SyntaxTrees.ToHashSet();
        foreach (var tree in project.Compilation.SyntaxTrees)
        {
            var from = FolderOf(project, tree.FilePath);
            if (from is null) continue; // the generated global usings
            folders.Add(from);
            var model = project.Compilation.GetSemanticModel(tree);
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                if (DeclaringType(model, name) is not { } type) continue;
                var declaration = type.DeclaringSyntaxReferences.FirstOrDefault();
                if (declaration is null || !ownTrees.Contains(declaration.SyntaxTree)) continue; // declared in another assembly
                var to = FolderOf(project, declaration.SyntaxTree.FilePath);
                if (to is null || to == from) continue;
                if (!edges.TryGetValue(from, out var targets)) edges[from] = targets = new(StringComparer.Ordinal);
                if (!targets.TryGetValue(to, out var names)) targets[to] = names = new(StringComparer.Ordinal);
                names.Add(type.Name);
            }
        }
        return new FolderGraph(project.Name, edges, folders);
    }

    /// <summary>Every cycle's folders, as strongly connected components of more than one folder.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var cycles = new List<IReadOnlyList<string>>();
        int next = 0;

        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in Edges.TryGetValue(v, out var t) ? t.Keys : Enumerable.Empty<string>())
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            if (component.Count > 1) cycles.Add(component.Order(StringComparer.Ordinal).ToArray());
        }

        foreach (var folder in Folders) if (!index.ContainsKey(folder)) Visit(folder);
        return cycles;
    }

    private static INamedTypeSymbol? DeclaringType(SemanticModel model, SimpleNameSyntax name)
    {
        var info = model.GetSymbolInfo(name);
        var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
        var type = symbol switch
        {
            INamedTypeSymbol t => t,
            IMethodSymbol { ReducedFrom: { } extension } => extension.ContainingType,
            { ContainingType: { } containing } => containing,
            _ => null,
        };
        // A nested type belongs where its outermost type is declared.
        while (type?.ContainingType is { } outer) type = outer;
        return type?.OriginalDefinition;
    }

    private static string? FolderOf(SourceProject project, string file)
    {
        var relative = Path.GetRelativePath(project.Directory, file);
        if (relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        var folder = Path.GetDirectoryName(relative);
        return string.IsNullOrEmpty(folder) ? "." : folder.Replace('\\', '/');
    }
}
