using System.Diagnostics;

namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// A running <c>dynamo serve</c> child. A pinned one is started under <c>taskset</c> so that every thread it ever creates
/// inherits the core (on Linux, <see cref="Process.ProcessorAffinity"/> set after the start only reaches the main thread).
/// Its stdout and stderr go to a log file; it counts as started once it prints <c>dynamo serve: ready</c>.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private const string ReadyMarker = "dynamo serve: ready";
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServeProcess(ServeProcessSpec spec, Process process, StreamWriter log, string logPath)
    {
        Spec = spec;
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public ServeProcessSpec Spec { get; }
    public string LogPath { get; }
    public int Id => _process.Id;

    public static async Task<ServeProcess> StartAsync(ServeProcessSpec spec, DynamoExecutable dynamo, string logFolder, TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(logFolder);
        var logPath = Path.Combine(logFolder, $"{spec.Name}.log");
        var info = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        bool pinWithTaskset = spec.Core is not null && OperatingSystem.IsLinux() && File.Exists("/usr/bin/taskset");
        if (pinWithTaskset)
        {
            info.FileName = "/usr/bin/taskset";
            info.ArgumentList.Add("--cpu-list");
            info.ArgumentList.Add(spec.Core!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            info.ArgumentList.Add(dynamo.Host);
        }
        else info.FileName = dynamo.Host;
        foreach (var a in dynamo.HostArguments) info.ArgumentList.Add(a);
        info.ArgumentList.Add("serve");
        foreach (var a in spec.Arguments) info.ArgumentList.Add(a);
        // Workstation GC without background threads: a pinned single-core worker must not share its core with GC threads.
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_gcConcurrent"] = "0";

        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        await log.WriteLineAsync($"# {info.FileName} {string.Join(' ', info.ArgumentList)}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var serve = new ServeProcess(spec, process, log, logPath);
        process.OutputDataReceived += (_, e) => serve.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => serve.OnLine(e.Data);
        process.Exited += (_, _) => serve._ready.TrySetException(new InvalidOperationException(
            $"{spec.Name} exited with code {SafeExitCode(process)} before it was ready; last lines of {logPath}:\n{Tail(logPath)}"));
        process.Start();
        ChildProcesses.Track(process);
        if (spec.Core is not null && !pinWithTaskset && (OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
            process.ProcessorAffinity = (nint)(1L << spec.Core.Value);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await serve._ready.Task.WaitAsync(readyTimeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            await serve.DisposeAsync();
            throw new InvalidOperationException($"{spec.Name} did not print '{ReadyMarker}' within {readyTimeout.TotalSeconds:F0} s; see {logPath}:\n{Tail(logPath)}");
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }
        return serve;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_log) _log.WriteLine(line);
        if (line.Contains(ReadyMarker, StringComparison.Ordinal)) _ready.TrySetResult();
    }

    /// <summary>Still running: a worker that died mid-run explains lost requests better than the requests do.</summary>
    public bool IsRunning => !_process.HasExited;

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                await _process.WaitForExitAsync(wait.Token);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception) { }
        ChildProcesses.Forget(_process);
        _process.Dispose();
        lock (_log) _log.Dispose();
    }

    private static string SafeExitCode(Process p)
    {
        try { return p.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture); }
        catch (InvalidOperationException) { return "?"; }
    }

    private static string Tail(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n');
            return string.Join('\n', lines.TakeLast(15));
        }
        catch (IOException) { return "(log unreadable)"; }
    }
}
