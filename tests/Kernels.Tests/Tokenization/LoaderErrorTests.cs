using Dynamo.Orleans.Kernels.Tokenization;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>A folder whose tokenizer cannot be used fails with one message that names the file and the problem.</summary>
public sealed class LoaderErrorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("broken-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_missing_folder_is_named()
    {
        var missing = Path.Combine(_directory, "nope");
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(missing));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void A_folder_without_tokenizer_files_names_both_it_looked_for()
    {
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(_directory));
        Assert.Contains(Path.Combine(_directory, "tokenizer.json"), error.Message);
        Assert.Contains("tokenizer.model", error.Message);
    }

    [Theory]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [""", "not valid JSON")]
    [InlineData("""{"version": "1.0"}""", "no \"model\"")]
    [InlineData("""{"model": {"type": "WordPiece", "vocab": {}}}""", "WordPiece")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}}""", "merge 0")]
    [InlineData("""{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "Nonsense"}}""", "Nonsense")]
    [InlineData("""{"model": {"type": "BPE", "vocab": "oops", "merges": []}}""", "tokenizer.json")]
    public void A_broken_tokenizer_json_is_named_with_its_problem(string content, string problem)
    {
        var file = Path.Combine(_directory, "tokenizer.json");
        File.WriteAllText(file, content);
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(_directory));
        Assert.StartsWith(file, error.Message);
        Assert.True(error.Message.Contains(problem, StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void A_corrupt_tokenizer_model_is_named()
    {
        var file = Path.Combine(_directory, "tokenizer.model");
        File.WriteAllBytes(file, [0x0A, 0xFF, 0xFF, 0x13, 0x37, 0x00, 0x42]);
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(_directory));
        Assert.StartsWith(file, error.Message);
        Assert.True(error.Message.Contains("SentencePiece", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void A_corrupt_tokenizer_config_is_named()
    {
        using var folder = new TinyModelFolder();
        var file = folder.Write("tokenizer_config.json", "{\"bos_token\": ");
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(folder.Path));
        Assert.StartsWith(file, error.Message);
    }

    [Fact]
    public void An_eos_token_the_vocabulary_lacks_is_named()
    {
        using var folder = new TinyModelFolder();
        folder.Write("tokenizer_config.json", """{"eos_token": "<|nowhere|>"}""");
        var error = Assert.Throws<TokenizerException>(() => ModelTokenizer.Load(folder.Path));
        Assert.Contains("<|nowhere|>", error.Message);
        Assert.Contains("tokenizer.json", error.Message);
    }
}
