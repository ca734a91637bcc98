namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// How to start <c>dynamo</c>: <c>dotnet dynamo.dll</c> from src/Silo's build output (found from the repository root) or
/// the path given with <c>--dynamo</c>. The benchmark starts the build it finds; it never builds it.
/// </summary>
public sealed record DynamoExecutable(string Host, IReadOnlyList<string> HostArguments, string Path)
{
    public static DynamoExecutable Locate(string? explicitPath)
    {
        var path = explicitPath ?? FindBuildOutput()
            ?? throw new InvalidOperationException("cannot find dynamo.dll: build it with 'dotnet build src/Silo -c Release' or pass --dynamo PATH");
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path)) throw new InvalidOperationException($"--dynamo: {path} does not exist");
        return path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? new("dotnet", [path], path) : new(path, [], path);
    }

    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Dynamo.Orleans.sln"))) return dir.FullName;
        }
        return null;
    }

    private static string? FindBuildOutput()
    {
        var root = RepositoryRoot();
        if (root is null) return null;
        return new[] { "Release", "Debug" }
            .Select(c => System.IO.Path.Combine(root, "src", "Silo", "bin", c, "net10.0", "dynamo.dll"))
            .Where(File.Exists)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault();
    }
}
