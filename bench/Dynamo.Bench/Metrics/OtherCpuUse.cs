using System.Diagnostics;
using System.Globalization;

namespace Dynamo.Orleans.Bench.Metrics;

/// <summary>
/// How many cores the machine spent on anything but the benchmark and the deployment it measures, on average over a run
/// (Linux, from /proc): the machine's busy time less the time of the benchmark's own processes. On a machine shared
/// with other work (builds, test runs) the workers pinned to "their" cores were not alone on them, and a latency is only
/// as good as the cores it had, so the report says how many were taken. Short-lived processes count too: they are in the
/// machine's total even after they exit.
/// </summary>
public sealed class OtherCpuUse
{
    /// <summary>/proc reports times in USER_HZ ticks, 100 per second on every Linux ABI .NET runs on.</summary>
    public const int TicksPerSecond = 100;

    private readonly IReadOnlyList<int> _own;
    private readonly long _busyAtStart, _ownAtStart;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private OtherCpuUse(IReadOnlyList<int> own, long busy, long ownTicks)
    {
        _own = own;
        _busyAtStart = busy;
        _ownAtStart = ownTicks;
    }

    /// <summary>Starts counting, or null where /proc cannot be read (not Linux).</summary>
    public static OtherCpuUse? Start(IEnumerable<int> ownProcessIds)
    {
        var own = ownProcessIds.Append(Environment.ProcessId).Distinct().ToList();
        return MachineBusyTicks() is { } busy ? new OtherCpuUse(own, busy, OwnTicks(own)) : null;
    }

    /// <summary>Cores used by other processes since <see cref="Start"/>, on average; null where /proc cannot be read.</summary>
    public double? CoresSinceStart() =>
        MachineBusyTicks() is { } busy ? Cores(busy - _busyAtStart, OwnTicks(_own) - _ownAtStart, _clock.Elapsed.TotalSeconds) : null;

    /// <summary>The other processes' share, never below zero (the machine's and the processes' counters are read at slightly different instants).</summary>
    public static double Cores(long machineBusyTicks, long ownTicks, double seconds) =>
        seconds <= 0 ? 0 : Math.Max(0, machineBusyTicks - ownTicks) / (double)TicksPerSecond / seconds;

    /// <summary>Busy ticks of all cores from /proc/stat's <c>cpu</c> line: user, nice, system, irq, softirq and steal (not idle or iowait).</summary>
    public static long? ParseMachineBusy(string cpuLine)
    {
        var f = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 9 || f[0] != "cpu") return null;
        long Field(int i) => long.Parse(f[i], NumberStyles.None, CultureInfo.InvariantCulture);
        return Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
    }

    /// <summary>utime + stime of one /proc/PID/stat (the name in parentheses may hold spaces, so fields count from the last ')').</summary>
    public static long ParseProcessTicks(string stat)
    {
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(f[11], NumberStyles.None, CultureInfo.InvariantCulture) + long.Parse(f[12], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private static long? MachineBusyTicks()
    {
        try { return ParseMachineBusy(File.ReadLines("/proc/stat").First()); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException) { return null; }
    }

    private static long OwnTicks(IEnumerable<int> own) => own.Sum(pid =>
    {
        try { return ParseProcessTicks(File.ReadAllText($"/proc/{pid}/stat")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return 0L; }
    });
}
