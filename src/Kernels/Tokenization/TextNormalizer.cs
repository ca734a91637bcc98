using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// The <c>normalizer</c> of a tokenizer.json, applied to each stretch of text between added tokens. Qwen2 uses NFC;
/// Llama-2-style files use Prepend("▁") + Replace(" ", "▁") to reproduce SentencePiece's dummy prefix.
/// </summary>
internal abstract class TextNormalizer
{
    public abstract string Normalize(string text);

    public static TextNormalizer? FromJson(JsonElement json, string file)
    {
        if (json.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            return null;
        var type = json.GetProperty("type").GetString();
        return type switch
        {
            "Sequence" => new SequenceNormalizer(json.GetProperty("normalizers").EnumerateArray()
                .Select(n => FromJson(n, file)).OfType<TextNormalizer>().ToArray()),
            "NFC" => new UnicodeNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeNormalizer(NormalizationForm.FormKD),
            "Prepend" => new PrependNormalizer(json.GetProperty("prepend").GetString()!),
            "Replace" => new ReplaceNormalizer(TextPattern.FromJson(json.GetProperty("pattern"), file), json.GetProperty("content").GetString()!),
            "Lowercase" => new LowercaseNormalizer(),
            _ => throw new TokenizerException(file, $"normalizer type '{type}' is not supported."),
        };
    }

    private sealed class SequenceNormalizer(TextNormalizer[] steps) : TextNormalizer
    {
        public override string Normalize(string text) => steps.Aggregate(text, (current, step) => step.Normalize(current));
    }

    private sealed class UnicodeNormalizer(NormalizationForm form) : TextNormalizer
    {
        public override string Normalize(string text) => text.Normalize(form);
    }

    private sealed class PrependNormalizer(string prefix) : TextNormalizer
    {
        // Hugging Face leaves empty text empty, so an added token at the very start gets no stray prefix.
        public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
    }

    private sealed class ReplaceNormalizer(Regex pattern, string content) : TextNormalizer
    {
        public override string Normalize(string text) => pattern.Replace(text, content.Replace("$", "$$"));
    }

    private sealed class LowercaseNormalizer : TextNormalizer
    {
        public override string Normalize(string text) => text.ToLowerInvariant();
    }
}
