using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>
/// A throwaway model folder with a tiny byte-level tokenizer.json (the 256 bytes, three merges spelling "hell", and
/// three added tokens), for tests of the loader's config handling and errors that need no real vocabulary.
/// </summary>
internal sealed class TinyModelFolder : IDisposable
{
    public const int Bos = 259, Eos = 260, Tool = 261;

    public TinyModelFolder(JsonNode? postProcessor = null)
    {
        Path = Directory.CreateTempSubdirectory("tiny-tokenizer-").FullName;
        var vocab = Enumerable.Range(0, 256).ToDictionary(b => ByteLevelTokenizerJson.Spell([(byte)b]), b => b);
        vocab["he"] = 256;
        vocab["ll"] = 257;
        vocab["hell"] = 258;
        ByteLevelTokenizerJson.Write(System.IO.Path.Combine(Path, "tokenizer.json"), vocab,
            [("h", "e"), ("l", "l"), ("he", "ll")],
            [(Bos, "<|bos|>", true), (Eos, "<|eos|>", true), (Tool, "<tool>", false)],
            mergesAsPairs: false, splitThenByteLevel: false, postProcessor);
    }

    public string Path { get; }

    public string Write(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, content);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
