using System.Text.Json;
using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>
/// The Metaspace decoder (SentencePiece-derived files without byte fallback) against outputs observed from Hugging Face
/// tokenizers 0.22.2 on a Metaspace-decoder variant of the Llama-2-style file. No packaged file uses it, hence literals.
/// </summary>
public sealed class MetaspaceDecoderTests
{
    [Theory]
    [InlineData(new[] { "▁▁▁", "▁leading" }, " leading")]
    [InlineData(new[] { "▁▁", "▁a" }, " a")]
    [InlineData(new[] { "x", "▁y" }, "x y")]
    [InlineData(new[] { "<s>", "▁a" }, "<s> a")]
    [InlineData(new[] { "▁a", "▁b" }, "a b")]
    [InlineData(new[] { "a", "▁▁▁" }, "a   ")]
    public void Decodes_as_hugging_face(string[] tokens, string expected)
    {
        using var json = JsonDocument.Parse("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}""");
        var decoder = TokenDecoder.FromJson(json.RootElement, "tokenizer.json")!;
        Assert.Equal(expected, decoder.Decode(tokens.ToList()));
    }
}
