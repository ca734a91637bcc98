namespace Dynamo.Orleans.Bench;

/// <summary>The machine a benchmark ran on, as every results file records it (compiled into each bench project).</summary>
internal static class BenchMachine
{
    public static string Cpu
    {
        get
        {
            try
            {
                return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
                       ?? "unknown CPU";
            }
            catch (IOException) { return "unknown CPU"; }
        }
    }

    public static string Describe() => $"{Environment.ProcessorCount} cores, {Cpu}, {Environment.OSVersion}, .NET {Environment.Version}";
}
