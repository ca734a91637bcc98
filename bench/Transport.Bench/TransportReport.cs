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
    public sealed record Row(long Bytes, int Repetitions, double MemcpySeconds, double FreshMemcpySeconds, double RawSocketSeconds, double InProcessSeconds, double SharedMemorySeconds, double TcpSeconds)
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
            statistic = "median seconds per transfer after one warm-up; GB = 1e9 bytes",
            results = rows.Select(r => new
            {
                bytes = r.Bytes, mib = r.Bytes >> 20, repetitions = r.Repetitions,
                memcpy_gbps = r.GBps(r.MemcpySeconds), memcpy_into_fresh_tensor_gbps = r.GBps(r.FreshMemcpySeconds), raw_socket_gbps = r.GBps(r.RawSocketSeconds),
                in_process_gbps = r.GBps(r.InProcessSeconds), shared_memory_gbps = r.GBps(r.SharedMemorySeconds), tcp_gbps = r.GBps(r.TcpSeconds),
                in_process_microseconds = r.InProcessSeconds * 1e6,
                shared_memory_vs_memcpy = r.MemcpySeconds / r.SharedMemorySeconds,
                tcp_vs_raw_socket = r.RawSocketSeconds / r.TcpSeconds,
                tcp_vs_memcpy = r.MemcpySeconds / r.TcpSeconds,
                shared_memory_vs_fresh_memcpy = r.FreshMemcpySeconds / r.SharedMemorySeconds,
                tcp_vs_fresh_memcpy = r.FreshMemcpySeconds / r.TcpSeconds,
            }),
        };
        File.WriteAllText(Path.Combine(folder, "transport.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n");

        var md = new StringBuilder();
        md.AppendLine("# KV transport bandwidth");
        md.AppendLine();
        md.AppendLine($"Command: `{command}` (from the repository root)");
        md.AppendLine();
        md.AppendLine($"Machine: {machine.Cpu}, {machine.Cores} cores; {machine.Os}; .NET {machine.Runtime}; shared memory in `{machine.SharedMemoryDirectory}`.");
        md.AppendLine($"TCP: the data-plane server and client in one process over 127.0.0.1, {chunkBytes >> 10} KiB chunks (the default). " +
                      "Raw socket: two connected loopback sockets sending and receiving the same bytes in the same chunks. " +
                      "memcpy: one span copy between two tensors; fresh memcpy: the same into a newly allocated tensor (allocation and first-touch page faults " +
                      "included, as every transport that delivers new pages pays them). Each transport figure is offer + pull (the whole producer-to-consumer path); " +
                      "in-process is a hand-over of the tensor, no bytes are copied. Median of the repetitions after a warm-up; GB = 10^9 bytes.");
        md.AppendLine();
        md.AppendLine("| layer group | reps | memcpy GB/s | fresh memcpy GB/s | raw socket GB/s | in-process (hand-over) | shared memory GB/s | TCP GB/s | shm / memcpy | TCP / raw socket | TCP / memcpy |");
        md.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Bytes >> 20} MiB | {r.Repetitions} | {r.GBps(r.MemcpySeconds):F2} | {r.GBps(r.FreshMemcpySeconds):F2} | {r.GBps(r.RawSocketSeconds):F2} | {r.InProcessSeconds * 1e6:F1} µs | " +
                $"{r.GBps(r.SharedMemorySeconds):F2} | {r.GBps(r.TcpSeconds):F2} | {r.MemcpySeconds / r.SharedMemorySeconds:F2} | {r.RawSocketSeconds / r.TcpSeconds:F2} | {r.MemcpySeconds / r.TcpSeconds:F2} |"));
        File.WriteAllText(Path.Combine(folder, "transport.md"), md.ToString());
    }
}
