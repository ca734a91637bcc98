using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;
using Dynamo.Orleans.Transport.Bench;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TorchSharp;

// KV transfer bandwidth of each transport beside a raw loopback socket and a plain memory copy, in one run.
const string Usage = """
    Usage: dotnet run --project bench/Transport.Bench -c Release -- [options]
      --sizes 4,32,128   KV page sizes in MiB (default 4,32,128)
      --out DIR          write transport.json and transport.md there (default: print only)
      --help             this text
    """;
int[] sizesMiB = [4, 32, 128];
string? outFolder = null;
for (int i = 0; i < args.Length; i++)
{
    try
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--help" or "-h": Console.WriteLine(Usage); return 0;
            case "--sizes":
                sizesMiB = Next().Split(',').Select(t => int.TryParse(t, out var n) && n > 0 ? n : throw new ArgumentException($"--sizes: '{t}' is not a positive size in MiB")).ToArray();
                break;
            case "--out": outFolder = Next(); break;
            default: throw new ArgumentException($"unknown option '{args[i]}'");
        }
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"transport-bench: error: {e.Message}\n{Usage}");
        return 1;
    }
}
var options = new KvTransportOptions(); // defaults: 127.0.0.1, ephemeral port, 1 MiB chunks, /dev/shm
var wrapped = Options.Create(options);

await using var dataPlane = new KvDataPlaneServer(wrapped, NullLogger<KvDataPlaneServer>.Instance);
using var outbox = new KvPageOutbox(dataPlane.Listen(), wrapped, NullLogger<KvPageOutbox>.Instance);
dataPlane.Start(outbox);
var inProcess = new InProcessKvTransport(outbox);
var sharedMemory = new SharedMemoryKvTransport(outbox, wrapped);
using var tcp = new TcpKvTransport(outbox, wrapped, NullLogger<TcpKvTransport>.Instance);
using var loopback = await LoopbackSocketPair.ConnectAsync();

var machine = TransportReport.DescribeMachine(options.SharedMemoryDirectory);
Console.WriteLine($"{machine.Cpu}, {machine.Cores} cores; {machine.Os}; .NET {machine.Runtime}; chunk {options.ChunkBytes >> 10} KiB; shared memory in {options.SharedMemoryDirectory}");
var rows = new List<TransportReport.Row>();

foreach (int mib in sizesMiB)
{
    // A layer group shaped like a 4-layer slice of an 8-KV-head, 128-dim model in bf16: 16 KiB per token.
    var descriptor = new KvPageDescriptor(TokenCount: mib * 64, BlockSize: 16, LayerStart: 0, LayerCount: 4, TotalLayers: 32, KvHeads: 8, HeadDim: 128, DType: "bfloat16");
    long bytes = descriptor.ByteLength;
    int repetitions = TransferTiming.RepetitionsFor(bytes);
    var pages = new KvPages(descriptor, torch.rand(descriptor.Shape, descriptor.ScalarType));
    var reference = pages.Bytes.ToArray();

    // Each transfer hands its result to the next one, so every repetition moves a fresh tensor the way a worker would.
    async Task Through(IKvTransport transport)
    {
        var handle = transport.Offer(new KvPageOffer("bench", 0, "bench", 1), pages);
        pages = await transport.PullAsync(handle, CancellationToken.None);
        if (!transport.PullEndsLease) outbox.Release(handle.LeaseId); // as the decode worker does once it has the pages
    }

    using var copyTarget = torch.empty(descriptor.Shape, descriptor.ScalarType);
    double memcpy = await TransferTiming.MedianSecondsAsync(repetitions, () => { pages.Bytes.CopyTo(copyTarget.bytes); return Task.CompletedTask; });
    // What any transport that delivers a new tensor pays before moving a byte: allocating and first touching it.
    double memcpyFresh = await TransferTiming.MedianSecondsAsync(repetitions, () =>
    {
        using var fresh = torch.empty(descriptor.Shape, descriptor.ScalarType);
        pages.Bytes.CopyTo(fresh.bytes);
        return Task.CompletedTask;
    });
    var socketSource = GC.AllocateUninitializedArray<byte>(checked((int)bytes), pinned: true);
    var socketTarget = GC.AllocateUninitializedArray<byte>(checked((int)bytes), pinned: true);
    reference.CopyTo(socketSource, 0);
    double rawSocket = await TransferTiming.MedianSecondsAsync(repetitions, () => loopback.TransferAsync(socketSource, socketTarget, options.ChunkBytes));
    double inProc = await TransferTiming.MedianSecondsAsync(repetitions, () => Through(inProcess));
    double shm = await TransferTiming.MedianSecondsAsync(repetitions, () => Through(sharedMemory));
    double overTcp = await TransferTiming.MedianSecondsAsync(repetitions, () => Through(tcp));

    if (!pages.Bytes.SequenceEqual(reference) || !socketTarget.AsSpan().SequenceEqual(reference))
        throw new InvalidOperationException($"{mib} MiB: bytes changed in transit");
    pages.Dispose();

    var row = new TransportReport.Row(bytes, repetitions, memcpy, memcpyFresh, rawSocket, inProc, shm, overTcp);
    rows.Add(row);
    Console.WriteLine($"{mib,4} MiB: memcpy {row.GBps(memcpy),6:F2} GB/s (fresh {row.GBps(memcpyFresh),5:F2})  raw socket {row.GBps(rawSocket),6:F2}  in-process {row.GBps(inProc),9:F1} (hand-over)  " +
                      $"shared memory {row.GBps(shm),6:F2} ({memcpy / shm:F2} of memcpy)  tcp {row.GBps(overTcp),6:F2} ({row.GBps(overTcp) / row.GBps(rawSocket):F2} of raw socket)");
}
if (outbox.ActiveLeases != 0) throw new InvalidOperationException($"{outbox.ActiveLeases} leases left after the run");

var command = "dotnet run --project bench/Transport.Bench -c Release" + (args.Length > 0 ? " -- " + string.Join(' ', args) : "");
if (outFolder is null)
{
    Console.WriteLine("(not written: give --out DIR to record the results)");
    return 0;
}
TransportReport.Write(outFolder, command, machine, options.ChunkBytes, rows);
Console.WriteLine($"wrote {Path.Combine(outFolder, "transport.json")} and transport.md");
return 0;
