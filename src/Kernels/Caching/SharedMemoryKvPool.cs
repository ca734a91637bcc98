using System.Security.Cryptography;
using Dynamo.Orleans.Kernels.Runtime;
using static TorchSharp.torch;

namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>
/// A CPU pool in a tmpfs file that peers on the host map read-only. The file is created 0600 (the kernel keeps other
/// users out) under a name with 128 random bits, mapped shared by libtorch (<c>from_file</c>), populated at once (the
/// KV cache is a reservation, as a private pool's zeros are) and unlinked when the pool is disposed. A process that
/// died without disposing leaves its file behind: creating a pool removes the pool files of processes that no longer run.
/// </summary>
public sealed class SharedMemoryKvPool : KvPool
{
    private const string Prefix = "dynamo-pool-";
    // Per-lease copies an earlier build wrote ("dynamo-kv-<pid>-…"); a crash left them behind just the same.
    private static readonly string[] OrphanPrefixes = [Prefix, "dynamo-kv-"];
    private readonly string _path;

    private SharedMemoryKvPool(KvPoolLayout layout, Tensor storage, string path) : base(layout, storage, CPU)
    {
        _path = path;
    }

    public override KvPoolKind Kind => KvPoolKind.SharedMemory;
    public override string SharedMemoryPath => _path;

    public static SharedMemoryKvPool Create(KvPoolLayout layout, string directory)
    {
        if (!OperatingSystem.IsLinux()) throw new KvPoolUnavailableException("shared-memory KV pools need Linux");
        if (!Directory.Exists(directory)) throw new KvPoolUnavailableException($"the shared-memory folder {directory} does not exist");
        RemoveOrphans(directory);
        long available = new DriveInfo(directory).AvailableFreeSpace;
        if (available < layout.ByteLength)
            throw new KvPoolUnavailableException($"{directory} has {available / (1 << 20)} MiB free, the KV pool needs {layout.ByteLength / (1 << 20)} MiB");
        var path = Path.Combine(directory, $"{Prefix}{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.kv");
        try
        {
            // CreateNew (O_EXCL): never open a file, or follow a link, that someone else put at this name.
            using (var file = new FileStream(path, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.ReadWrite | FileShare.Delete,
                       UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                   }))
                file.SetLength(layout.ByteLength);
            long elements = layout.ByteLength / layout.ElementSize;
            using var flat = from_file(path, shared: true, size: elements, dtype: layout.DType);
            var storage = flat.view(layout.Shape);
            var pool = new SharedMemoryKvPool(layout, storage, path);
            unsafe { MemoryPrefault.ForWrite((byte*)pool.Address, layout.ByteLength); }
            return pool;
        }
        catch (Exception e) when (e is not KvPoolUnavailableException)
        {
            TryDelete(path);
            throw new KvPoolUnavailableException($"could not map a {layout.ByteLength / (1 << 20)} MiB KV pool at {path}: {e.Message}", e);
        }
    }

    /// <summary>Deletes pool files whose process is gone (it crashed, or was killed before it could unlink them).</summary>
    public static int RemoveOrphans(string directory)
    {
        int removed = 0;
        foreach (var prefix in OrphanPrefixes)
            foreach (var file in Directory.EnumerateFiles(directory, prefix + "*.kv"))
            {
                var name = Path.GetFileName(file);
                int dash = name.IndexOf('-', prefix.Length);
                if (dash < 0 || !int.TryParse(name.AsSpan(prefix.Length, dash - prefix.Length), out int pid)) continue;
                if (pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}")) continue;
                if (TryDelete(file)) removed++;
            }
        return removed;
    }

    public override void Dispose()
    {
        // Peers that still map the file keep its pages until they unmap; the name goes now.
        TryDelete(_path);
        base.Dispose();
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
