using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>
/// Lowers the CPU scheduling priority (the nice value) of libtorch's worker threads, so that an engine using every core
/// yields to whatever else the process runs (Orleans' membership probes and messaging, the HTTP API) the moment that
/// work wakes up.
/// <para>
/// On Linux a nice value belongs to each thread (<c>setpriority(PRIO_PROCESS, tid, …)</c> with a thread id changes
/// that thread only) and a new thread starts with its creator's nice value and name. libtorch starts its workers from
/// the thread that needs them (its OpenMP team on the first parallel op, the pthreadpool on the first
/// <c>set_num_threads</c>), so they carry the engine thread's name: every thread with that name that is not an engine
/// thread itself is one of libtorch's workers, and gets the lower priority by its id.
/// </para>
/// <para>
/// The engine thread itself keeps the process's priority. A niced engine thread would pass its nice value to every
/// thread started from it, and .NET starts a thread-pool worker on whichever thread queues work while the pool is
/// short of threads (<c>PortableThreadPool.WorkerThread.MaybeAddWorkingWorker</c>): the engine queues every token's
/// continuation, so Orleans and Kestrel would end up running on niced pool threads — and giving a thread its priority
/// back needs privileges. <see cref="Thread.Priority"/> does nothing on Linux for ordinary users and cannot reach
/// libtorch's threads. Elsewhere (Windows, macOS, where <c>PRIO_PROCESS</c> means the whole process) nothing changes.
/// </para>
/// </summary>
internal static partial class EngineThreadPriority
{
    private const int PrioProcess = 0;
    /// <summary>The lowest priority Linux has; a larger increment stops there.</summary>
    public const int MaxNice = 19;

    // OS ids of engine threads: named like their workers, but never lowered (see above).
    private static readonly ConcurrentDictionary<int, bool> EngineThreads = new();

    /// <summary>Marks the calling thread as an engine thread, before it takes its name; returns its OS id (0: not Linux).</summary>
    public static int RegisterEngineThread()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        int tid = gettid();
        EngineThreads[tid] = true;
        return tid;
    }

    public static void UnregisterEngineThread(int tid) => EngineThreads.TryRemove(tid, out _);

    /// <summary>
    /// Gives every thread of the process named like the calling thread, other than engine threads, a nice value
    /// <paramref name="increment"/> above the calling thread's (at most <see cref="MaxNice"/>); a thread already that low
    /// is left alone. Returns how many threads it lowered. Nothing happens for an increment of 0 or off Linux; a thread
    /// the kernel refuses (a sandbox may) keeps its priority.
    /// </summary>
    public static int LowerWorkersOfCurrentThread(int increment)
    {
        if (increment <= 0 || !OperatingSystem.IsLinux()) return 0;
        if (Comm("/proc/thread-self") is not { } name || Nice(gettid()) is not { } own) return 0;
        int target = Math.Min(MaxNice, own + increment);
        int lowered = 0;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out int tid) || EngineThreads.ContainsKey(tid) || Comm(dir) != name) continue;
                if (Nice(tid) is { } nice && nice < target && setpriority(PrioProcess, tid, target) == 0) lowered++;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // /proc unreadable (a sandbox): the workers keep their priority; the engine must not stop over it.
        }
        return lowered;
    }

    /// <summary>How many threads the process has now (/proc/self/stat, field 20); 0 where that cannot be read.</summary>
    public static int ProcessThreadCount()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            // "pid (comm) state …": comm may hold spaces, so fields count from the last ')'; the next field is field 3.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 19);
            return int.TryParse(fields[20 - 3], System.Globalization.CultureInfo.InvariantCulture, out int count) ? count : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static string? Comm(string taskFolder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(taskFolder, "comm")).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the thread ended meanwhile
        }
    }

    private static int? Nice(int tid)
    {
        // getpriority returns the nice value itself, so -1 is a valid answer: only errno tells a failure apart.
        Marshal.SetLastPInvokeError(0);
        int nice = getpriority(PrioProcess, tid);
        return nice == -1 && Marshal.GetLastPInvokeError() != 0 ? null : nice;
    }

    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getpriority(int which, int who);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int priority);
}
