namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>
/// GPT-2's byte-level alphabet (<c>bytes_to_unicode</c>): each byte maps to one printable character, so that BPE
/// vocab and merges can be stored as JSON strings. Printable Latin-1 bytes map to themselves; the other 68 bytes map
/// to U+0100 upwards in byte order (space becomes 'Ġ', newline 'Ċ').
/// </summary>
public static class ByteLevelAlphabet
{
    static readonly char[] ByteToChar = Build();

    static char[] Build()
    {
        var map = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)next++;
        }
        return map;
    }

    public static char Encode(byte b) => ByteToChar[b];

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++) span[i] = ByteToChar[source[i]];
        });
    }
}
