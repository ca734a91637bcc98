using Dynamo.Orleans.Bench.Metrics;

namespace Dynamo.Orleans.Bench.Tests.Metrics;

public sealed class OtherCpuUseTests
{
    [Fact]
    public void The_machines_busy_time_is_user_nice_system_irq_softirq_and_steal()
    {
        // cpu  user nice system idle iowait irq softirq steal guest guest_nice
        Assert.Equal(100 + 2 + 30 + 4 + 5 + 6, OtherCpuUse.ParseMachineBusy("cpu  100 2 30 9999 77 4 5 6 0 0"));
        Assert.Null(OtherCpuUse.ParseMachineBusy("cpu0 100 2 30 9999 77 4 5 6 0 0"));
    }

    [Fact]
    public void A_processes_ticks_are_read_after_its_name_even_when_the_name_has_spaces_and_parentheses()
    {
        const string Stat = "4242 (.NET TP (Worker) 1) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 8 9 20 0 30 0 100 0 0";

        Assert.Equal(1234 + 567, OtherCpuUse.ParseProcessTicks(Stat));
    }

    [Fact]
    public void Other_cores_are_the_machines_busy_time_less_the_benchmarks_own_per_second()
    {
        Assert.Equal(0.5, OtherCpuUse.Cores(machineBusyTicks: 1500, ownTicks: 1000, seconds: 10), 9);
        Assert.Equal(0, OtherCpuUse.Cores(machineBusyTicks: 990, ownTicks: 1000, seconds: 10));
        Assert.Equal(0, OtherCpuUse.Cores(100, 0, 0));
    }

    [Fact]
    public void On_Linux_a_measurement_counts_from_its_start()
    {
        if (!OperatingSystem.IsLinux()) return;
        var use = OtherCpuUse.Start([]);
        Thread.Sleep(300); // /proc counts in 10 ms ticks: one tick over a few microseconds would read as many cores

        Assert.NotNull(use);
        Assert.InRange(use!.CoresSinceStart()!.Value, 0, Environment.ProcessorCount + 0.5);
    }
}
