using System.Runtime.InteropServices;
using System.Text;

namespace Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

/// <summary>
/// Fast, reproducible pseudo-normal weights written straight into a stream. A benchmark-sized model is hundreds of
/// millions of values, so this avoids per-element torch calls and Box–Muller: one xorshift64* draw per value, whose
/// four 16-bit lanes are summed (Irwin–Hall, n = 4) and scaled to unit variance — close enough to normal for weights
/// that only need the right scale. Each tensor's stream is seeded from (seed, name), so its values do not depend on
/// which other tensors exist or in what order they are written.
/// </summary>
public static class SeededWeights
{
    const int ChunkValues = 1 << 16;
    /// <summary>Sum of four U(0, 65535) lanes has mean 4 × 32767.5 and standard deviation 65536 / √3 (near enough).</summary>
    const float LaneSumMean = 4 * 32767.5f;
    static readonly float LaneSumScale = MathF.Sqrt(3f) / 65536f;

    public static ulong SeedFor(long seed, string tensorName)
    {
        // FNV-1a over the name, then SplitMix64 to spread it: stable across runs and processes, unlike string.GetHashCode.
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(tensorName)) hash = (hash ^ b) * 1099511628211UL;
        ulong state = hash ^ (ulong)seed;
        state += 0x9E3779B97F4A7C15UL;
        state = (state ^ (state >> 30)) * 0xBF58476D1CE4E5B9UL;
        state = (state ^ (state >> 27)) * 0x94D049BB133111EBUL;
        state ^= state >> 31;
        return state == 0 ? 0x2545F4914F6CDD1DUL : state; // xorshift must not start at 0
    }

    /// <summary>Writes <paramref name="count"/> values of mean + std × N(0, 1) in <paramref name="dtype"/> (BF16, F16, F32), little-endian.</summary>
    public static void Write(Stream stream, SafetensorsDtype dtype, long count, ulong seed, float mean, float std)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this writer stores values in native order.");
        var values = new float[ChunkValues];
        var bytes = new byte[ChunkValues * dtype.ElementSize()];
        ulong state = seed;
        for (long done = 0; done < count; done += ChunkValues)
        {
            int n = (int)Math.Min(ChunkValues, count - done);
            for (int i = 0; i < n; i++)
            {
                state ^= state >> 12;
                state ^= state << 25;
                state ^= state >> 27;
                ulong r = state * 0x2545F4914F6CDD1DUL;
                float sum = (float)((r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48));
                values[i] = mean + std * (sum - LaneSumMean) * LaneSumScale;
            }
            int byteCount = Encode(values.AsSpan(0, n), dtype, bytes);
            stream.Write(bytes, 0, byteCount);
        }
    }

    static int Encode(ReadOnlySpan<float> values, SafetensorsDtype dtype, byte[] destination)
    {
        switch (dtype)
        {
            case SafetensorsDtype.F32:
                MemoryMarshal.AsBytes(values).CopyTo(destination);
                return values.Length * 4;
            case SafetensorsDtype.BF16:
            {
                var target = MemoryMarshal.Cast<byte, ushort>(destination.AsSpan());
                for (int i = 0; i < values.Length; i++)
                {
                    // Round to nearest even on the dropped 16 bits, as torch does; values here are finite.
                    uint bits = BitConverter.SingleToUInt32Bits(values[i]);
                    target[i] = (ushort)((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
                }
                return values.Length * 2;
            }
            case SafetensorsDtype.F16:
            {
                var target = MemoryMarshal.Cast<byte, Half>(destination.AsSpan());
                for (int i = 0; i < values.Length; i++) target[i] = (Half)values[i];
                return values.Length * 2;
            }
            default:
                throw new ArgumentException($"dtype {dtype.HeaderName()} cannot hold generated weights: use BF16, F16 or F32.", nameof(dtype));
        }
    }
}
