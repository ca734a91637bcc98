using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>Ids and text match Hugging Face's tokenizers library on real model files, case by case.</summary>
public sealed class HuggingFaceParityTests
{
    public static TheoryData<string> Names => RealTokenizers.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void Encoding_without_special_tokens_gives_hugging_face_ids(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        AssertAll(name, c => (c.Ids, tokenizer.Encode(c.Text, addSpecialTokens: false).ToArray()));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Encoding_with_special_tokens_gives_hugging_face_ids(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        AssertAll(name, c => (c.IdsWithSpecialTokens, tokenizer.Encode(c.Text).ToArray()));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decoding_gives_hugging_face_text(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        AssertAll(name, c => (c.Decoded, tokenizer.Decode(c.Ids)));
        AssertAll(name, c => (c.DecodedWithSpecialTokens, tokenizer.Decode(c.IdsWithSpecialTokens)));
        AssertAll(name, c => (c.DecodedSkippingSpecialTokens, tokenizer.Decode(c.IdsWithSpecialTokens, skipSpecialTokens: true)));
    }

    [Fact]
    public void Llama3_1_reads_its_special_tokens_and_template()
    {
        var tokenizer = RealTokenizers.Load("llama3_1");
        Assert.Equal(128256, tokenizer.VocabSize);
        Assert.Equal(128000, tokenizer.BosTokenId);
        Assert.Equal("<|begin_of_text|>", tokenizer.BosToken);
        Assert.Equal("<|eot_id|>", tokenizer.EosToken);
        Assert.Equal([128009], tokenizer.EosTokenIds);
        Assert.True(tokenizer.AddBosToken);
        Assert.True(tokenizer.IsSpecial(128009));
        Assert.False(tokenizer.IsSpecial(9906));
        Assert.Equal(9906, tokenizer.TokenToId("Hello"));
        Assert.Equal("<|eot_id|>", tokenizer.IdToToken(128009));
        Assert.Contains("<|start_header_id|>", tokenizer.ChatTemplateText);
    }

    [Fact]
    public void Qwen3_reads_its_special_tokens_and_template()
    {
        var tokenizer = RealTokenizers.Load("qwen3");
        Assert.Equal(151669, tokenizer.VocabSize);
        Assert.Null(tokenizer.BosTokenId);
        Assert.False(tokenizer.AddBosToken);
        Assert.Equal("<|im_end|>", tokenizer.EosToken);
        Assert.Equal([151645], tokenizer.EosTokenIds);
        Assert.True(tokenizer.IsSpecial(151644));
        // <think> is an added token but not a special one: it survives skip_special_tokens, as in Hugging Face.
        Assert.False(tokenizer.IsSpecial(151667));
        Assert.Equal(151667, tokenizer.TokenToId("<think>"));
        Assert.Contains("<|im_start|>", tokenizer.ChatTemplateText);
    }

    [Fact]
    public void Llama2_style_file_reads_its_special_tokens()
    {
        var tokenizer = RealTokenizers.Load("llama2");
        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal([2], tokenizer.EosTokenIds);
        Assert.Equal("<0x0A>", tokenizer.IdToToken(13));
    }

    private static void AssertAll<T>(string name, Func<ReferenceCase, (T Expected, T Actual)> check)
    {
        // Every mismatch in one message: one wrong regex or decoder usually shows in several texts at once.
        var failures = new List<string>();
        foreach (var c in RealTokenizers.Cases(name))
        {
            var (expected, actual) = check(c);
            if (!Equal(expected, actual))
                failures.Add($"{c}: expected {Show(expected)}, got {Show(actual)}");
        }
        Assert.True(failures.Count == 0, $"{name}: {failures.Count} mismatches\n" + string.Join("\n", failures));
    }

    private static bool Equal<T>(T expected, T actual) =>
        expected is int[] e && actual is int[] a ? e.SequenceEqual(a) : Equals(expected, actual);

    private static string Show<T>(T value) =>
        value is int[] ids ? "[" + string.Join(",", ids) + "]" : System.Text.Json.JsonSerializer.Serialize(value);
}
