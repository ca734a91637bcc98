using System.Security.Cryptography;
using System.Text;

namespace Dynamo.Orleans.Grains.Transfer;

/// <summary>
/// What <see cref="KvTransportOptions.ClusterSecret"/> adds to the lease token: proof that the puller is a process of the
/// cluster. A handle travels over Orleans messaging, which authenticates nobody, so anything that can talk to a silo (an
/// Orleans client included) may come to hold one; with a secret, holding the handle is no longer enough. The puller sends
/// HMAC-SHA256(key, lease token) next to the token, where the key is derived from the secret (HKDF-SHA256), and the data
/// plane refuses a pull whose proof does not match. A proof is worth one lease, and a lease can be pulled once.
/// </summary>
internal sealed class KvPeerKey
{
    public const int ProofLength = 32;

    private static readonly byte[] Purpose = "dynamo kv data plane peer proof v1"u8.ToArray();

    private readonly byte[] _key;

    private KvPeerKey(string secret) =>
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, salt: [], info: Purpose);

    /// <summary>The key of <see cref="KvTransportOptions.ClusterSecret"/>, or null when none is set (pulls then carry no proof).</summary>
    public static KvPeerKey? From(KvTransportOptions options)
    {
        if (string.IsNullOrEmpty(options.ClusterSecret)) return null;
        if (options.ClusterSecret.Length < KvTransportOptions.MinimumClusterSecretLength)
            throw new ArgumentException($"The cluster secret has {options.ClusterSecret.Length} characters: at least {KvTransportOptions.MinimumClusterSecretLength} are needed (e.g. `openssl rand -hex 32`)");
        return new KvPeerKey(options.ClusterSecret);
    }

    public void Prove(ReadOnlySpan<byte> token, Span<byte> proof) => HMACSHA256.HashData(_key, token, proof);

    public bool Verify(ReadOnlySpan<byte> token, ReadOnlySpan<byte> proof)
    {
        Span<byte> expected = stackalloc byte[ProofLength];
        Prove(token, expected);
        return CryptographicOperations.FixedTimeEquals(expected, proof);
    }
}
