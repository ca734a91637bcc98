using System.Buffers.Binary;
using System.Net.Sockets;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// The data-plane wire format. Orleans messages never carry page bytes (they hang past 100 MiB), so a pull is a plain
/// TCP exchange on a keep-alive connection. Integers are little-endian.
/// <code>
///  client → server  PULL    u32 magic 0x3250564B ("KVP2")  i64 lease id  i64 lease expiry (UTC ticks)
///                           32 B lease token  32 B peer proof (zeros without a cluster secret)         84 bytes
///  server → client  HEADER  u8 status  i64 length                                                  9 bytes
///     status Ok:           `length` bytes of KV data follow, sent in chunks of at most ChunkBytes
///     status LeaseUnknown: `length` bytes of UTF-8 message follow (expired, already pulled, released)
///     status Error:        `length` bytes of UTF-8 message follow
///     status Refused:      `length` bytes of UTF-8 message follow; the server then closes the connection
///  client → server  ACK     u8 1, only after all data bytes arrived                                 1 byte
/// </code>
/// The lease token is the one in the handle (<see cref="KvLeaseSigner"/>): without it a lease id, which anyone who
/// reaches the port could guess, reads nothing. The peer proof is <see cref="KvPeerKey"/>'s, checked only when the
/// server has a cluster secret. A forged token or a missing proof is Refused and the connection closed (a client that
/// sends one is not a peer); an expired token, or one whose lease was already pulled (a replay) or released, is
/// LeaseUnknown and the connection serves on, as these happen to honest peers too. A PULL with another magic (a KVP1 peer)
/// is answered Refused with a message, in the header it understands, and closed.
/// The server releases the lease when the ACK arrives, not when its last send returns: a small lease fits in the
/// socket buffers, so "written" does not mean "received" and a client cancelled after that would lose the pages.
/// Without an ACK (cancelled or dead client) the lease stays pullable until it expires. After an ACK or a LeaseUnknown or
/// Error header the connection takes the next PULL; a client that stops reading mid-data closes it.
/// </summary>
internal static class KvDataPlaneProtocol
{
    public const uint Magic = 0x3250564B;
    public const int MagicLength = 4;
    public const int PullLength = MagicLength + 8 + 8 + KvLeaseSigner.TokenLength + KvPeerKey.ProofLength;
    public const int HeaderLength = 9;
    public const byte Ack = 1;

    public enum Status : byte
    {
        Ok = 0,
        LeaseUnknown = 1,
        Error = 2,
        Refused = 3,
    }

    /// <summary>A PULL of <paramref name="leaseId"/>: expiry and token as the handle has them, and the proof when the puller has a cluster secret.</summary>
    public static void WritePull(Span<byte> buffer, long leaseId, long expiresTicks, ReadOnlySpan<byte> token, KvPeerKey? peerKey)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[4..], leaseId);
        BinaryPrimitives.WriteInt64LittleEndian(buffer[12..], expiresTicks);
        var tokenField = buffer.Slice(20, KvLeaseSigner.TokenLength);
        tokenField.Clear();
        token[..Math.Min(token.Length, tokenField.Length)].CopyTo(tokenField);
        var proof = buffer.Slice(20 + KvLeaseSigner.TokenLength, KvPeerKey.ProofLength);
        if (peerKey is null) proof.Clear();
        else peerKey.Prove(tokenField, proof);
    }

    public static bool IsPull(ReadOnlySpan<byte> magic) => BinaryPrimitives.ReadUInt32LittleEndian(magic) == Magic;

    /// <summary>The fields of a PULL whose magic <see cref="IsPull"/> accepted.</summary>
    public static (long LeaseId, long ExpiresTicks, ReadOnlyMemory<byte> Token, ReadOnlyMemory<byte> Proof) ReadPull(ReadOnlyMemory<byte> buffer) =>
        (BinaryPrimitives.ReadInt64LittleEndian(buffer.Span[4..]), BinaryPrimitives.ReadInt64LittleEndian(buffer.Span[12..]),
         buffer.Slice(20, KvLeaseSigner.TokenLength), buffer.Slice(20 + KvLeaseSigner.TokenLength, KvPeerKey.ProofLength));

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
