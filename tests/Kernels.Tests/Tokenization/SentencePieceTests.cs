using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>
/// A folder with only tokenizer.model (no tokenizer.json) loads through SentencePiece and gives the ids Hugging Face
/// gives for the same vocabulary's tokenizer.json.
/// </summary>
public sealed class SentencePieceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sentencepiece-tokenizer-").FullName;

    public SentencePieceTests()
    {
        var source = RealTokenizers.ModelDirectory("llama2");
        SentencePieceModelFile.WriteFromTokenizerJson(Path.Combine(source, "tokenizer.json"), Path.Combine(_directory, "tokenizer.model"));
        File.Copy(Path.Combine(source, "tokenizer_config.json"), Path.Combine(_directory, "tokenizer_config.json"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Tokenizer_model_encodes_and_decodes_as_hugging_face()
    {
        var tokenizer = ModelTokenizer.Load(_directory);
        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal([2], tokenizer.EosTokenIds);

        var failures = new List<string>();
        foreach (var c in RealTokenizers.Cases("llama2"))
        {
            var ids = tokenizer.Encode(c.Text, addSpecialTokens: false).ToArray();
            if (!ids.SequenceEqual(c.Ids))
                failures.Add($"{c}: ids expected [{string.Join(",", c.Ids)}], got [{string.Join(",", ids)}]");
            if (!tokenizer.Encode(c.Text).SequenceEqual(c.IdsWithSpecialTokens))
                failures.Add($"{c}: ids with special tokens differ");
            if (tokenizer.Decode(c.Ids) != c.Decoded)
                failures.Add($"{c}: decoded expected {c.Decoded}, got {tokenizer.Decode(c.Ids)}");
            if (tokenizer.Decode(c.IdsWithSpecialTokens, skipSpecialTokens: true) != c.DecodedSkippingSpecialTokens)
                failures.Add($"{c}: decoded skipping special tokens expected {c.DecodedSkippingSpecialTokens}, got {tokenizer.Decode(c.IdsWithSpecialTokens, skipSpecialTokens: true)}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Tokenizer_model_streams_as_it_decodes()
    {
        var tokenizer = ModelTokenizer.Load(_directory);
        foreach (var c in RealTokenizers.Cases("llama2"))
        {
            var detokenizer = tokenizer.CreateDetokenizer([], skipSpecialTokens: false);
            var text = string.Concat(c.Ids.Select(detokenizer.Push)) + detokenizer.Flush();
            Assert.Equal(tokenizer.Decode(c.Ids), text);
        }
    }
}
