using System.Buffers.Binary;
using System.Net.Sockets;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// The data-plane wire format. Orleans messages never carry page bytes (they hang past 100 MiB), so a pull is a plain
/// TCP exchange on a keep-alive connection. Integers are little-endian.
/// <code>
///  client → server  PULL    u32 magic 0x3150564B ("KVP1")  i64 lease id                          12 bytes
///  server → client  HEADER  u8 status  i64 length                                                  9 bytes
///     status Ok:           `length` bytes of KV data follow, sent in chunks of at most ChunkBytes
///     status LeaseUnknown: `length` bytes of UTF-8 message follow (expired, already pulled, released)
///     status Error:        `length` bytes of UTF-8 message follow
///  client → server  ACK     u8 1, only after all data bytes arrived                                 1 byte
/// </code>
/// The server releases the lease when the ACK arrives, not when its last send returns: a small lease fits in the
/// socket buffers, so "written" does not mean "received" and a client cancelled after that would lose the pages.
/// Without an ACK (cancelled or dead client) the lease stays pullable until it expires. After an ACK or a non-Ok
/// header the connection takes the next PULL; a client that stops reading mid-data closes it.
/// </summary>
internal static class KvDataPlaneProtocol
{
    public const uint Magic = 0x3150564B;
    public const int PullLength = 12;
    public const int HeaderLength = 9;
    public const byte Ack = 1;

    public enum Status : byte
    {
        Ok = 0,
        LeaseUnknown = 1,
        Error = 2,
    }

    public static void WritePull(Span<byte> buffer, long leaseId)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[4..], leaseId);
    }

    public static bool TryReadPull(ReadOnlySpan<byte> buffer, out long leaseId)
    {
        leaseId = BinaryPrimitives.ReadInt64LittleEndian(buffer[4..]);
        return BinaryPrimitives.ReadUInt32LittleEndian(buffer) == Magic;
    }

    public static void WriteHeader(Span<byte> buffer, Status status, long length)
    {
        buffer[0] = (byte)status;
        BinaryPrimitives.WriteInt64LittleEndian(buffer[1..], length);
    }

    public static (Status Status, long Length) ReadHeader(ReadOnlySpan<byte> buffer) =>
        ((Status)buffer[0], BinaryPrimitives.ReadInt64LittleEndian(buffer[1..]));

    /// <summary>Fills <paramref name="buffer"/>, one receive of at most <paramref name="chunkBytes"/> at a time; false on a clean end of stream before any byte.</summary>
    public static async ValueTask<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, int chunkBytes, CancellationToken ct)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.Slice(done, Math.Min(chunkBytes, buffer.Length - done)), SocketFlags.None, ct);
            if (n == 0)
            {
                if (done == 0) return false;
                throw new EndOfStreamException($"Data-plane peer closed the connection after {done} of {buffer.Length} bytes");
            }
            done += n;
        }
        return true;
    }

    public static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> buffer, CancellationToken ct)
    {
        while (!buffer.IsEmpty)
        {
            int n = await socket.SendAsync(buffer, SocketFlags.None, ct);
            buffer = buffer[n..];
        }
    }

    /// <summary>Small request/response frames must not wait for Nagle's algorithm; bulk data is chunked anyway.</summary>
    public static void Configure(Socket socket) => socket.NoDelay = true;
}
