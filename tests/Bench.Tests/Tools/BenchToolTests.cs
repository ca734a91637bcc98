using System.Diagnostics;

namespace Dynamo.Orleans.Bench.Tests.Tools;

/// <summary>
/// Every bench tool behaves like a tool: <c>--help</c> prints its usage and exits 0 without measuring or writing
/// anything, and an unknown option is an error, not a stack trace. Each runs in an empty folder, so a tool that wrote
/// its default <c>bench/results</c> there would be caught.
/// </summary>
public sealed class BenchToolTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dynamo-bench-tools-").FullName;

    private static string Tool(string project, string assembly)
    {
        // tests/Bench.Tests/bin/<Configuration>/net10.0 → bench/<project>/bin/<Configuration>/net10.0
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = here.Name, configuration = here.Parent!.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Dynamo.Orleans.sln"))) root = root.Parent;
        return Path.Combine(root!.FullName, "bench", project, "bin", configuration, framework, assembly);
    }

    private async Task<(int Code, string Output)> RunAsync(string dll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = _folder, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout + await stderr);
    }

    public static TheoryData<string, string, string> Tools => new()
    {
        { "Kernels.Bench", "Dynamo.Orleans.Kernels.Bench.dll", "" },
        { "Fabric.Bench", "Dynamo.Orleans.Fabric.Bench.dll", "" },
        { "Transport.Bench", "Dynamo.Orleans.Transport.Bench.dll", "" },
        { "Routing.Bench", "Dynamo.Orleans.Routing.Bench.dll", "" },
        { "Dynamo.Bench", "dynamo-bench.dll", "routing" },
        { "Dynamo.Bench", "dynamo-bench.dll", "compare" },
        { "Dynamo.Bench", "dynamo-bench.dll", "run" },
    };

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task Help_prints_usage_exits_0_and_writes_nothing(string project, string assembly, string command)
    {
        var (code, output) = await RunAsync(Tool(project, assembly), command.Length > 0 ? [command, "--help"] : ["--help"]);
        Assert.True(code == 0, output);
        Assert.Contains("--out", output);
        Assert.DoesNotContain("   at ", output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public async Task An_unknown_option_is_an_error_not_a_crash(string project, string assembly, string command)
    {
        var (code, output) = await RunAsync(Tool(project, assembly), command.Length > 0 ? [command, "--no-such-option"] : ["--no-such-option"]);
        Assert.NotEqual(0, code);
        Assert.Contains("--no-such-option", output);
        Assert.DoesNotContain("   at ", output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
