using System.Globalization;
using System.Text;
using System.Text.Json;
using Dynamo.Orleans.Bench;

namespace Dynamo.Orleans.Transport.Bench;

/// <summary>Writes the run as transport.json (machine-readable) and transport.md (for people), with the machine and command.</summary>
internal static class TransportReport
{
    public sealed record Machine(string Cpu, int Cores, string Os, string Runtime, string SharedMemoryDirectory);

    /// <summary>Median seconds of each way of moving <see cref="Bytes"/>.</summary>
    public sealed record Row(long Bytes, int Repetitions, double MemcpySeconds, double RawSocketSeconds, double InProcessSeconds, double SameHostSeconds, double TcpSeconds)
    {
        public double GBps(double seconds) => Bytes / seconds / 1e9;
    }

    public static Machine DescribeMachine(string sharedMemoryDirectory)
    {
        var machine = MachineDescription.Current();
        return new(machine.Cpu, machine.Cores, machine.Os, machine.Dotnet, sharedMemoryDirectory);
    }

    public static void Write(string folder, string command, Machine machine, int chunkBytes, IReadOnlyList<Row> rows)
    {
        Directory.CreateDirectory(folder);
        var json = new
        {
            command,
            machine = new { cpu = machine.Cpu, cores = machine.Cores, os = machine.Os, dotnet = machine.Runtime, shared_memory_directory = machine.SharedMemoryDirectory },
            chunk_bytes = chunkBytes,
            statistic = "median seconds per transfer after one warm-up, the ways measured in turns (one of each per round); GB = 1e9 bytes",
            results = rows.Select(r => new
            {
                bytes = r.Bytes, mib = r.Bytes >> 20, repetitions = r.Repetitions,
                memcpy_gbps = r.GBps(r.MemcpySeconds), raw_socket_gbps = r.GBps(r.RawSocketSeconds),
                in_process_gbps = r.GBps(r.InProcessSeconds), same_host_gbps = r.GBps(r.SameHostSeconds), tcp_gbps = r.GBps(r.TcpSeconds),
                in_process_vs_memcpy = r.MemcpySeconds / r.InProcessSeconds,
                same_host_vs_memcpy = r.MemcpySeconds / r.SameHostSeconds,
                tcp_vs_raw_socket = r.RawSocketSeconds / r.TcpSeconds,
                tcp_vs_memcpy = r.MemcpySeconds / r.TcpSeconds,
            }),
        };
        File.WriteAllText(Path.Combine(folder, "transport.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var md = new StringBuilder();
        md.AppendLine("# KV transport bandwidth");
        md.AppendLine();
        md.AppendLine($"Command: `{command}` (from the repository root)");
        md.AppendLine();
        md.AppendLine($"Machine: {machine.Cpu}, {machine.Cores} cores; {machine.Os}; .NET {machine.Runtime}; shared memory in `{machine.SharedMemoryDirectory}`.");
        md.AppendLine("Each transport figure is the whole producer-to-consumer path of one layer group: lease the producer's pinned blocks, " +
                      "move them into the consumer's reserved blocks, end the lease. Both pools are registered tmpfs pools (consecutive block ids, " +
                      "as a fresh sequence gets). Same host: the consumer maps the producer's pool read-only (once) and copies the blocks " +
                      "straight into its own: one copy. In-process: the same copy without the mapping. " +
                      $"TCP: the data-plane server sends from the producer's pool into a socket over 127.0.0.1 and the client receives into the consumer's pool, {chunkBytes >> 10} KiB per call. " +
                      "memcpy: one copy of the same bytes between two touched, pinned host buffers. Raw socket: two connected loopback sockets sending and receiving " +
                      "the same bytes in the same chunks. Measured in turns, one of each per round, so the machine's other load falls on all alike; " +
                      "median of the rounds after a warm-up; GB = 10^9 bytes.");
        md.AppendLine();
        md.AppendLine("| layer group | reps | memcpy GB/s | raw socket GB/s | in-process GB/s | same host GB/s | TCP GB/s | in-process / memcpy | same host / memcpy | TCP / raw socket |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Bytes >> 20} MiB | {r.Repetitions} | {r.GBps(r.MemcpySeconds):F2} | {r.GBps(r.RawSocketSeconds):F2} | {r.GBps(r.InProcessSeconds):F2} | " +
                $"{r.GBps(r.SameHostSeconds):F2} | {r.GBps(r.TcpSeconds):F2} | {r.MemcpySeconds / r.InProcessSeconds:F2} | {r.MemcpySeconds / r.SameHostSeconds:F2} | {r.RawSocketSeconds / r.TcpSeconds:F2} |"));
        File.WriteAllText(Path.Combine(folder, "transport.md"), md.ToString());
    }
}
