using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary><c>dynamo model synthetic</c> as a user (and dynamo-bench) runs it.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-model-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Synthetic_writes_the_same_bytes_as_the_generator_and_the_folder_loads()
    {
        var folder = Path.Combine(_root, "qwen");
        var (code, stdout, stderr) = await DynamoProcess.RunAsync(_root, "model", "synthetic", "--out", folder,
            "--preset", "tiny", "--layers", "3", "--architecture", "Qwen2", "--dtype", "f32", "--seed", "5");
        Assert.True(code == 0, stderr);
        Assert.Contains("3 layers", stdout);
        Assert.DoesNotContain(Directory.GetDirectories(_root), d => d.Contains(".partial-"));

        var expected = Path.Combine(_root, "expected");
        SyntheticModelFolder.Write(expected, SyntheticModelOptions.Tiny with
        {
            NumLayers = 3,
            Architecture = ModelArchitecture.Qwen2,
            Dtype = SafetensorsDtype.F32,
            Seed = 5,
        });
        foreach (var file in Directory.GetFiles(expected).Select(Path.GetFileName))
            Assert.Equal(File.ReadAllBytes(Path.Combine(expected, file!)), File.ReadAllBytes(Path.Combine(folder, file!)));

        var tokenized = await DynamoProcess.RunAsync(_root, "tokenize", "--model", folder, "--text", "hello");
        Assert.True(tokenized.ExitCode == 0, tokenized.Stderr);
        var generated = await DynamoProcess.RunAsync(_root, "generate", "--model", folder, "--prompt", "hello", "--max-tokens", "2", "--json");
        Assert.True(generated.ExitCode == 0, generated.Stderr);
    }

    [Fact]
    public async Task A_folder_that_is_not_empty_is_kept_unless_forced()
    {
        var folder = Path.Combine(_root, "taken");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "mine");
        var refused = await DynamoProcess.RunAsync(_root, "model", "synthetic", "--out", folder);
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal($"dynamo: error: --out {folder} is not empty (use --force to replace it)", refused.Stderr.Trim());
        Assert.True(File.Exists(Path.Combine(folder, "notes.txt")));

        var forced = await DynamoProcess.RunAsync(_root, "model", "synthetic", "--out", folder, "--force");
        Assert.True(forced.ExitCode == 0, forced.Stderr);
        Assert.False(File.Exists(Path.Combine(folder, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(folder, "config.json")));
    }

    [Theory]
    [InlineData("--dtype", "q4", "--dtype 'q4' is not BF16, F16 or F32")]
    [InlineData("--layers", "0", "model sizes must be positive")]
    public async Task A_bad_value_is_one_error_line_and_writes_nothing(string option, string value, string message)
    {
        var folder = Path.Combine(_root, "bad");
        var (code, _, stderr) = await DynamoProcess.RunAsync(_root, "model", "synthetic", "--out", folder, option, value);
        Assert.Equal(1, code);
        Assert.StartsWith("dynamo: error: ", stderr.Trim());
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(folder));
        if (Directory.Exists(_root)) Assert.DoesNotContain(Directory.GetDirectories(_root), d => d.Contains(".partial-"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
