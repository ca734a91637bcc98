using System.Diagnostics;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>Runs the real <c>dynamo</c> executable (built beside the tests) as a child process.</summary>
internal static class DynamoProcess
{
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "dynamo.dll");

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string cacheRoot, params string[] args) =>
        RunAsync(cacheRoot, new Dictionary<string, string>(), args);

    /// <param name="environment">Extra environment variables, e.g. <c>DYNAMO_CLUSTER_SECRET</c>.</param>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string cacheRoot, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Executable);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DYNAMO_CACHE"] = cacheRoot;
        foreach (var (name, value) in environment) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
