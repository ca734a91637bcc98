using System.Globalization;

namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// Lets .NET regexes see code points the way Hugging Face's (Rust, Oniguruma) regexes do. .NET matches UTF-16 units, so a
/// letter or digit outside the BMP ("𝟙", "𠀀") is two surrogates of category Cs and falls into <c>[^\s\p{L}\p{N}]</c>,
/// changing the pre-tokenization. Folding each such code point into one BMP stand-in of the same Unicode category makes
/// <c>\p{..}</c> classes and counted repeats (<c>\p{N}{1,3}</c>) behave per code point; match positions map back.
/// </summary>
internal static class SurrogateFolding
{
    // One non-ASCII BMP character per category, so stand-ins never collide with the ASCII literals of split patterns.
    private static readonly char[] StandIns = BuildStandIns();

    private static char[] BuildStandIns()
    {
        var standIns = new char[Enum.GetValues<UnicodeCategory>().Length];
        for (int c = 0xFFFF; c >= 0x80; c--)
        {
            if (c is >= 0xD800 and <= 0xDFFF)
                continue;
            standIns[(int)CharUnicodeInfo.GetUnicodeCategory((char)c)] = (char)c;
        }
        return standIns;
    }

    /// <summary>
    /// Returns the folded text and, for each folded index (plus the end), the index in the original text;
    /// null for text without surrogates, which needs no folding.
    /// </summary>
    public static (string Folded, int[] OriginalIndex)? Fold(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
            return null;
        var folded = new char[text.Length];
        var originalIndex = new int[text.Length + 1];
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            originalIndex[length] = i;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                folded[length++] = StandIns[(int)CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))];
                i++;
                continue;
            }
            folded[length++] = text[i];
        }
        originalIndex[length] = text.Length;
        return (new string(folded, 0, length), originalIndex[..(length + 1)]);
    }
}
