using System.Buffers.Binary;
using System.IO.Hashing;

namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>
/// Chained block hash: a full block's hash covers its token ids and its parent's hash, so equal hashes mean equal
/// prefixes (up to 64-bit collisions), which is what lets a new request reuse blocks another request computed.
/// </summary>
public static class BlockHash
{
    public const ulong Root = 0xcbf29ce484222325UL;

    public static ulong Of(ulong parent, IReadOnlyList<int> tokens, int start, int count)
    {
        Span<byte> buffer = stackalloc byte[8 + 4 * 64];
        var hasher = new XxHash64();
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, parent);
        hasher.Append(buffer[..8]);
        int i = 0;
        while (i < count)
        {
            int n = Math.Min(64, count - i);
            for (int j = 0; j < n; j++) BinaryPrimitives.WriteInt32LittleEndian(buffer.Slice(8 + 4 * j), tokens[start + i + j]);
            hasher.Append(buffer.Slice(8, 4 * n));
            i += n;
        }
        return hasher.GetCurrentHashAsUInt64();
    }

    /// <summary>Hashes of every full block of <paramref name="tokens"/> (the first <paramref name="count"/> of them).</summary>
    public static List<ulong> Chain(IReadOnlyList<int> tokens, int count, int blockSize)
    {
        var hashes = new List<ulong>(count / blockSize);
        ulong parent = Root;
        for (int b = 0; (b + 1) * blockSize <= count; b++)
        {
            parent = Of(parent, tokens, b * blockSize, blockSize);
            hashes.Add(parent);
        }
        return hashes;
    }
}
