using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// Real <c>dynamo serve</c> processes on loopback, each with its own ports. Started with their output captured; a
/// process is ready when it prints its "ready" line. Disposing kills whatever is still running.
/// </summary>
internal sealed class ClusterProcesses : IAsyncDisposable
{
    private readonly List<(Process Process, StringBuilder Output)> _processes = new();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public Task<Process> StartAsync(string cacheRoot, params string[] args) => StartAsync(cacheRoot, new Dictionary<string, string>(), args);

    /// <param name="environment">Extra environment variables, e.g. <c>DYNAMO_Fabric__DrainTimeout</c>.</param>
    public async Task<Process> StartAsync(string cacheRoot, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // env --default-signal=INT: a test run started in the background inherits SIGINT ignored, and so would the server;
        // InterruptAsync must reach it however the tests were started. env execs dotnet, so the process id stays the server's.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(DynamoProcess.Executable);
        info.ArgumentList.Add("serve");
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DYNAMO_CACHE"] = cacheRoot;
        foreach (var (name, value) in environment) info.Environment[name] = value;
        var process = Process.Start(info)!;
        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.StartsWith("dynamo serve: ready", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"dynamo serve exited early ({process.ExitCode}):\n{Output(output)}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add((process, output));
        await ready.Task.WaitAsync(TimeSpan.FromMinutes(2));
        return process;
    }

    /// <summary>Ctrl-C: SIGINT to the process, then its exit code (it must drain and stop by itself).</summary>
    public static async Task<int> InterruptAsync(Process process)
    {
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return process.ExitCode;
    }

    public string Logs() => string.Join("\n----\n", _processes.Select(p => Output(p.Output)));

    private static string Output(StringBuilder b) { lock (b) return b.ToString(); }

    public async ValueTask DisposeAsync()
    {
        foreach (var (process, _) in _processes)
        {
            try
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception) { /* already gone */ }
            process.Dispose();
        }
    }
}
