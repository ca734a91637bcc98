using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Dynamo.Orleans.Architecture.Tests;

/// <summary>
/// One project under src/ compiled from its sources the way MSBuild would (its implicit global usings included) against
/// the assemblies beside these tests, so that every name resolves to the symbol the real build binds.
/// </summary>
public sealed class SourceProject
{
    private SourceProject(string name, string directory, CSharpCompilation compilation)
    {
        Name = name;
        Directory = directory;
        Compilation = compilation;
    }

    /// <summary>Path from the repository root, e.g. <c>src/Grains/Abstractions</c>.</summary>
    public string Name { get; }
    public string Directory { get; }
    public CSharpCompilation Compilation { get; }

    public static IReadOnlyList<SourceProject> LoadAll()
    {
        var root = RepositoryRoot();
        var projects = System.IO.Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(Path.GetDirectoryName).Select(d => d!).Order(StringComparer.Ordinal).ToArray();
        return projects.Select(p => Load(root, p, projects)).ToArray();
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dynamo.Orleans.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no Dynamo.Orleans.sln above {AppContext.BaseDirectory}");
    }

    private static SourceProject Load(string root, string directory, string[] allProjects)
    {
        // A project nested in another's folder (Grains/Abstractions) is its own project, not a folder of the outer one.
        var nested = allProjects.Where(p => p != directory && p.StartsWith(directory + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToArray();
        var sources = System.IO.Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(directory, f) && !nested.Any(n => f.StartsWith(n + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal);
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = sources.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f)).ToList();
        trees.Add(CSharpSyntaxTree.ParseText(GlobalUsings(directory), options, Path.Combine(directory, "obj", "GlobalUsings.g.cs")));

        var assemblyName = AssemblyName(directory);
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Concat(System.IO.Directory.GetFiles(AppContext.BaseDirectory, "*.dll"))
            .Where(path => !string.Equals(Path.GetFileNameWithoutExtension(path), assemblyName, StringComparison.OrdinalIgnoreCase))
            .DistinctBy(Path.GetFileName, StringComparer.OrdinalIgnoreCase)
            .Where(IsManagedAssembly)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(assemblyName, trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        return new SourceProject(Path.GetRelativePath(root, directory).Replace('\\', '/'), directory, compilation);
    }

    private static bool IsBuildOutput(string project, string file)
    {
        var first = Path.GetRelativePath(project, file).Split(Path.DirectorySeparatorChar)[0];
        return first is "bin" or "obj";
    }

    // The SDK writes the implicit usings into obj/ at build time; the tests run after a build, so the file is there.
    private static string GlobalUsings(string project)
    {
        var generated = System.IO.Directory.Exists(Path.Combine(project, "obj"))
            ? System.IO.Directory.GetFiles(Path.Combine(project, "obj"), "*.GlobalUsings.g.cs", SearchOption.AllDirectories)
                .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return generated is null
            ? throw new InvalidOperationException($"{project} has no generated GlobalUsings.g.cs under obj/: build the solution before running these tests")
            : File.ReadAllText(generated);
    }

    private static string AssemblyName(string project)
    {
        var csproj = System.IO.Directory.GetFiles(project, "*.csproj").Single();
        return XDocument.Load(csproj).Descendants("AssemblyName").FirstOrDefault()?.Value ?? Path.GetFileNameWithoutExtension(csproj);
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException) { return false; }
    }
}
