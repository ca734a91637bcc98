using Dynamo.Orleans.Grains.Transfer;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Transfer;
using Dynamo.Orleans.Transfer;
using Dynamo.Orleans.Transport.Bench;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TorchSharp;

// KV handoff bandwidth of each transport, pool to pool, beside a raw loopback socket and a plain memory copy, in one run.
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
var options = new KvTransportOptions(); // defaults: 127.0.0.1, ephemeral port, 1 MiB chunks
var wrapped = Options.Create(options);
const string ShmDirectory = "/dev/shm";

await using var dataPlane = new KvDataPlaneServer(wrapped, NullLogger<KvDataPlaneServer>.Instance);
using var outbox = new KvPageOutbox(dataPlane.Listen(), wrapped, NullLogger<KvPageOutbox>.Instance);
dataPlane.Start(outbox);
using var peers = new KvPeerPools(NullLogger<KvPeerPools>.Instance);
var inProcess = new InProcessKvTransport(outbox);
var sharedMemory = new SharedMemoryKvTransport(outbox, peers);
using var tcp = new TcpKvTransport(outbox, wrapped, NullLogger<TcpKvTransport>.Instance);
using var loopback = await LoopbackSocketPair.ConnectAsync();

var machine = TransportReport.DescribeMachine(ShmDirectory);
Console.WriteLine($"{machine.Cpu}, {machine.Cores} cores; {machine.Os}; .NET {machine.Runtime}; chunk {options.ChunkBytes >> 10} KiB; pools in {ShmDirectory}");
var rows = new List<TransportReport.Row>();

foreach (int mib in sizesMiB)
{
    // A layer group shaped like a 4-layer slice of an 8-KV-head, 128-dim model in bf16: 16 KiB per token. The producer's
    // and the consumer's registered pools each hold the group plus as many blocks again (the blocks a fresh sequence gets:
    // consecutive ids, one region per layer and K/V).
    var descriptor = new KvPageDescriptor(TokenCount: mib * 64, BlockSize: 16, LayerStart: 0, LayerCount: 4, TotalLayers: 4, KvHeads: 8, HeadDim: 128, DType: "bfloat16");
    long bytes = descriptor.ByteLength;
    int repetitions = TransferTiming.RepetitionsFor(bytes);
    int blocks = descriptor.BlockCount;
    var layout = new KvPoolLayout(4, 2 * blocks, 16, 8, 128, descriptor.ScalarType);
    using var producer = SharedMemoryKvPool.Create(layout, ShmDirectory);
    using var consumer = SharedMemoryKvPool.Create(layout, ShmDirectory);
    using (var random = torch.rand(layout.Shape, layout.DType)) producer.Storage.copy_(random);
    var sourceBlocks = Enumerable.Range(0, blocks).ToArray();
    var targetBlocks = Enumerable.Range(blocks, blocks).ToArray();
    var target = new BenchTarget(consumer, targetBlocks);

    // The whole producer-to-consumer path: lease the pinned blocks, move them into the consumer's reserved blocks, end the lease.
    async Task Through(IKvTransport transport)
    {
        var handle = transport.Offer(new KvPageOffer("bench", 0, "bench", 1), new KvBlockExport(descriptor, sourceBlocks, producer, () => { }));
        await transport.PullAsync(handle, target, CancellationToken.None);
        if (!transport.PullEndsLease) outbox.Release(handle.LeaseId); // as the decode worker does once it has the blocks
    }

    // The baseline: one memcpy of the same bytes between two pinned host buffers (already touched).
    var copySource = GC.AllocateUninitializedArray<byte>(checked((int)bytes), pinned: true);
    var copyTarget = GC.AllocateUninitializedArray<byte>(checked((int)bytes), pinned: true);
    Random.Shared.NextBytes(copySource);
    var medians = await TransferTiming.InterleavedMediansAsync(repetitions,
        () => { copySource.AsSpan().CopyTo(copyTarget); return Task.CompletedTask; },
        () => loopback.TransferAsync(copySource, copyTarget, options.ChunkBytes),
        () => Through(inProcess),
        () => Through(sharedMemory),
        () => Through(tcp));
    var (memcpy, rawSocket, inProc, sameHost, overTcp) = (medians[0], medians[1], medians[2], medians[3], medians[4]);

    if (!copyTarget.AsSpan().SequenceEqual(copySource) || !SameBlocks(producer, sourceBlocks, consumer, targetBlocks, descriptor))
        throw new InvalidOperationException($"{mib} MiB: bytes changed in transit");

    var row = new TransportReport.Row(bytes, repetitions, memcpy, rawSocket, inProc, sameHost, overTcp);
    rows.Add(row);
    Console.WriteLine($"{mib,4} MiB: memcpy {row.GBps(memcpy),6:F2} GB/s  raw socket {row.GBps(rawSocket),6:F2}  in-process {row.GBps(inProc),6:F2} ({memcpy / inProc:F2} of memcpy)  " +
                      $"same host {row.GBps(sameHost),6:F2} ({memcpy / sameHost:F2} of memcpy)  tcp {row.GBps(overTcp),6:F2} ({rawSocket / overTcp:F2} of raw socket)");
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

static unsafe bool SameBlocks(IKvBlockMemory a, int[] aBlocks, IKvBlockMemory b, int[] bBlocks, KvPageDescriptor d)
{
    foreach (var (from, to, length) in KvBlockRuns.Paired(a.Layout, aBlocks, b.Layout, bBlocks, d.LayerStart, d.LayerCount))
        if (!new ReadOnlySpan<byte>((byte*)(a.Address + (nint)from), (int)length).SequenceEqual(new ReadOnlySpan<byte>((byte*)(b.Address + (nint)to), (int)length)))
            return false;
    return true;
}
