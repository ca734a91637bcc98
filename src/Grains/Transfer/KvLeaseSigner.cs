using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// Signs and checks the per-lease tokens of one <see cref="KvPageOutbox"/>: HMAC-SHA256 over (lease id, expiry) under a
/// 256-bit key drawn at random when the outbox is made. The key never leaves the process, and it does not need to: the
/// process that issues a lease is the only one that serves it, so nobody else ever verifies its tokens. A token cannot be
/// forged without the key, one made by an earlier run of the process (or by any other process) does not verify here,
/// and a lease's token stops working at its expiry or once the lease is gone.
/// </summary>
internal sealed class KvLeaseSigner
{
    public const int TokenLength = 32;

    // Domain separation: the same key must never produce a MAC that means something else.
    private static readonly byte[] Purpose = "dynamo kv lease token v1"u8.ToArray();

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public byte[] Sign(long leaseId, DateTime expiresUtc)
    {
        var token = new byte[TokenLength];
        Sign(leaseId, expiresUtc.Ticks, token);
        return token;
    }

    /// <summary>True when <paramref name="token"/> is this signer's token for the lease and expiry, compared in constant time.</summary>
    public bool Verify(long leaseId, long expiresTicks, ReadOnlySpan<byte> token)
    {
        if (token.Length != TokenLength) return false;
        Span<byte> expected = stackalloc byte[TokenLength];
        Sign(leaseId, expiresTicks, expected);
        return CryptographicOperations.FixedTimeEquals(expected, token);
    }

    private void Sign(long leaseId, long expiresTicks, Span<byte> token)
    {
        Span<byte> message = stackalloc byte[Purpose.Length + 16];
        Purpose.CopyTo(message);
        BinaryPrimitives.WriteInt64LittleEndian(message[Purpose.Length..], leaseId);
        BinaryPrimitives.WriteInt64LittleEndian(message[(Purpose.Length + 8)..], expiresTicks);
        HMACSHA256.HashData(_key, message, token);
    }
}
