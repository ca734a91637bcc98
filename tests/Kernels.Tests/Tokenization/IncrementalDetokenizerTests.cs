using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>Streaming text token by token gives exactly the full decode, never half a character.</summary>
public sealed class IncrementalDetokenizerTests
{
    public static TheoryData<string> Names => RealTokenizers.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void Streaming_without_a_prompt_equals_decoding_every_fixture_text(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        foreach (var c in RealTokenizers.Cases(name))
        {
            Assert.Equal(c.Decoded, Stream(tokenizer, [], c.Ids, skipSpecialTokens: false));
            Assert.Equal(c.DecodedSkippingSpecialTokens, Stream(tokenizer, [], c.IdsWithSpecialTokens, skipSpecialTokens: true));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Streaming_after_a_prompt_gives_what_the_generated_ids_add_to_the_prompt(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        var prompt = tokenizer.Encode("A prompt that ends in an emoji 🎉 and then text:");
        foreach (var c in RealTokenizers.Cases(name))
        {
            var whole = tokenizer.Decode([.. prompt, .. c.Ids], skipSpecialTokens: true);
            var promptText = tokenizer.Decode(prompt, skipSpecialTokens: true);
            Assert.StartsWith(promptText, whole);
            Assert.Equal(whole[promptText.Length..], Stream(tokenizer, prompt, c.Ids, skipSpecialTokens: true));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_first_generated_word_keeps_its_leading_space(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        var prompt = tokenizer.Encode("Hello");
        var all = tokenizer.Encode("Hello world");
        Assert.Equal(prompt, all.Take(prompt.Count));
        var detokenizer = tokenizer.CreateDetokenizer(prompt);
        Assert.Equal(" world", detokenizer.Push(all[prompt.Count]));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_character_split_across_tokens_is_held_back_until_complete(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        // Rare CJK and emoji fall back to several byte tokens in all three vocabularies.
        var ids = tokenizer.Encode("𠀀🧑🏽‍💻", addSpecialTokens: false);
        Assert.True(ids.Count > 2);
        var detokenizer = tokenizer.CreateDetokenizer([]);
        var pushed = ids.Select(detokenizer.Push).ToList();
        Assert.Equal("", pushed[0]);
        Assert.Equal("𠀀🧑🏽‍💻", string.Concat(pushed) + detokenizer.Flush());
    }

    [Fact]
    public void A_sequence_cut_inside_a_character_is_flushed_as_the_full_decode_has_it()
    {
        var tokenizer = RealTokenizers.Load("qwen3");
        var ids = tokenizer.Encode("ok 𠀀", addSpecialTokens: false).ToList();
        ids.RemoveAt(ids.Count - 1);
        Assert.Equal(tokenizer.Decode(ids), Stream(tokenizer, [], ids, skipSpecialTokens: false));
    }

    private static string Stream(ModelTokenizer tokenizer, IReadOnlyList<int> prompt, IReadOnlyList<int> generated, bool skipSpecialTokens)
    {
        var detokenizer = tokenizer.CreateDetokenizer(prompt, skipSpecialTokens);
        var text = new System.Text.StringBuilder();
        foreach (var id in generated)
        {
            var piece = detokenizer.Push(id);
            Assert.False(piece.EndsWith('\uFFFD'), $"pushed text ends in U+FFFD: {piece}");
            Assert.False(piece.Length > 0 && char.IsHighSurrogate(piece[^1]), "pushed text ends inside a surrogate pair");
            text.Append(piece);
        }
        return text.Append(detokenizer.Flush()).ToString();
    }
}
