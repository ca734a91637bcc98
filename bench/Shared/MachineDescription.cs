using System.Runtime.InteropServices;

namespace Dynamo.Orleans.Bench;

/// <summary>
/// The machine a result was measured on: without it, a latency number means nothing. Every bench records it (this file
/// is compiled into each bench project).
/// </summary>
public sealed record MachineDescription(string Cpu, int Cores, double MemoryGib, string Os, string Dotnet)
{
    public static MachineDescription Current()
    {
        string? cpu = null;
        double memory = 0;
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
            var total = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (total is not null) memory = long.Parse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return new(cpu ?? RuntimeInformation.ProcessArchitecture.ToString(), Environment.ProcessorCount, Math.Round(memory, 1),
                   RuntimeInformation.OSDescription, Environment.Version.ToString());
    }

    public override string ToString() => $"{Cpu}, {Cores} cores, {MemoryGib:F0} GiB; {Os}; .NET {Dotnet}";
}
