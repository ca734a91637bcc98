namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>Encoding then decoding gives the text back, for scripts and emoji that stress byte handling.</summary>
public sealed class RoundTripTests
{
    public static readonly string[] Texts =
    [
        "你好，世界！今天天气很好。",
        "日本語のテキスト、カタカナとひらがな。한국어 텍스트",
        "مرحبا بالعالم، كيف حالك؟",
        "नमस्ते दुनिया, आप कैसे हैं?",
        "Привет, мир! Ελληνικά. Ünïcödé façade naïve café",
        "I love 🍕 and 🎉! 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🧑🏽‍💻 ❤️ 🇯🇵",
        "𝐇𝐞𝐥𝐥𝐨 𠀀𠀁 𝟙𝟚𝟛 𓀀",
        "  mixed\twhitespace \n\n and   runs  ",
        "def f(x):\n    return x ** 2  # comment\n",
    ];

    public static TheoryData<string> Names => RealTokenizers.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void Decode_of_encode_gives_the_text_back(string name)
    {
        var tokenizer = RealTokenizers.Load(name);
        foreach (var text in Texts)
        {
            // A Metaspace "first" pre-tokenizer adds no "▁" before text that starts with a space, yet the decoder still strips
            // one: Hugging Face loses that space too (see "   leading spaces" in llama2_metaspace.reference.json).
            var expected = name == "llama2_metaspace" && text.StartsWith(' ') ? text[1..] : text;
            Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false)));
            Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode(text), skipSpecialTokens: true));
        }
    }
}
