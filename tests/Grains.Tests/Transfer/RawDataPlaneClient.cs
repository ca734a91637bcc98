using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Dynamo.Orleans.Transfer;

namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>
/// The data-plane protocol written out by hand on a plain socket, as an attacker (or an older build) would speak it:
/// the tests pin the wire format rather than reuse the code under test.
/// </summary>
internal sealed class RawDataPlaneClient : IDisposable
{
    public const byte Ok = 0, LeaseUnknown = 1, Refused = 3;
    public const uint Kvp1 = 0x3150564B, Kvp2 = 0x3250564B;

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public static async Task<RawDataPlaneClient> ConnectAsync(string endpoint)
    {
        var client = new RawDataPlaneClient();
        await client._socket.ConnectAsync(IPEndPoint.Parse(endpoint));
        return client;
    }

    /// <summary>
    /// A KVP2 PULL: u32 magic, i64 lease id, i64 expiry ticks, 32-byte token, 32-byte proof. The token and expiry default
    /// to the handle's, the proof to zeros or, given a secret, HMAC-SHA256(HKDF-SHA256(secret), token).
    /// </summary>
    public static byte[] Pull(KvPageHandle handle, byte[]? token = null, long? expiresTicks = null, long? leaseId = null, string? secret = null)
    {
        var frame = new byte[84];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, Kvp2);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(4), leaseId ?? handle.LeaseId);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(12), expiresTicks ?? handle.LeaseExpiresUtc.Ticks);
        (token ?? handle.LeaseToken!).CopyTo(frame.AsSpan(20, 32));
        if (secret is not null)
        {
            var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, [], "dynamo kv data plane peer proof v1"u8.ToArray());
            HMACSHA256.HashData(key, frame.AsSpan(20, 32), frame.AsSpan(52, 32));
        }
        return frame;
    }

    public async Task SendAsync(byte[] bytes) => await _socket.SendAsync(bytes);

    /// <summary>Sends a PULL and reads the answer's header, then its body: the pages (not yet acknowledged) or the message.</summary>
    public async Task<(byte Status, byte[] Body)> PullAsync(byte[] frame)
    {
        await _socket.SendAsync(frame);
        var header = await ReceiveAsync(9);
        var body = await ReceiveAsync(checked((int)BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(1))));
        return (header[0], body);
    }

    public async Task AckAsync() => await _socket.SendAsync(new byte[] { 1 });

    /// <summary>True when the server closed the connection (the next receive sees the end of the stream, or a reset).</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        try
        {
            return await _socket.ReceiveAsync(new byte[1]).WaitAsync(TimeSpan.FromSeconds(10)) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    private async Task<byte[]> ReceiveAsync(int length)
    {
        var buffer = new byte[length];
        int got = 0;
        while (got < length)
        {
            int n = await _socket.ReceiveAsync(buffer.AsMemory(got));
            if (n == 0) throw new EndOfStreamException($"The data plane closed the connection after {got} of {length} bytes");
            got += n;
        }
        return buffer;
    }

    public static string Text(byte[] body) => Encoding.UTF8.GetString(body);

    public void Dispose() => _socket.Dispose();
}
