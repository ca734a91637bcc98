using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>A tokenizer.json pattern: <c>{"String": "..."}</c> (literal) or <c>{"Regex": "..."}</c>.</summary>
internal static class TextPattern
{
    public static Regex FromJson(JsonElement pattern, string file)
    {
        if (pattern.TryGetProperty("String", out var literal))
            return new Regex(Regex.Escape(literal.GetString()!), RegexOptions.CultureInvariant);
        if (pattern.TryGetProperty("Regex", out var regex))
        {
            try
            {
                return new Regex(regex.GetString()!, RegexOptions.CultureInvariant | RegexOptions.Compiled);
            }
            catch (ArgumentException e)
            {
                throw new TokenizerException(file, $"regex '{regex.GetString()}' does not compile in .NET: {e.Message}", e);
            }
        }
        throw new TokenizerException(file, $"pattern {pattern.GetRawText()} is neither a String nor a Regex.");
    }
}
