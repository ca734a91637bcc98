using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// Every <c>dynamo serve</c> this process started and has not yet stopped. Deployments stop their own processes in a
/// finally; this is the backstop for the exits a finally does not see (SIGTERM, SIGHUP, an unhandled exception), so that
/// no worker outlives the benchmark holding its ports and cores.
/// </summary>
public static class ChildProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Live = new();
    private static readonly List<PosixSignalRegistration> Signals = [];
    private static int _hooked;

    public static void Track(Process process)
    {
        Hook();
        Live[process.Id] = process;
    }

    public static void Forget(Process process) => Live.TryRemove(process.Id, out _);

    public static void KillAll()
    {
        foreach (var (id, process) in Live)
        {
            try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            catch (System.ComponentModel.Win32Exception) { }
            Live.TryRemove(id, out _);
        }
    }

    private static void Hook()
    {
        if (Interlocked.Exchange(ref _hooked, 1) == 1) return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => KillAll();
        // SIGINT is left to System.CommandLine, which cancels the run and lets the deployments' finally blocks stop them.
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
            Signals.Add(PosixSignalRegistration.Create(signal, _ => KillAll()));
    }
}
