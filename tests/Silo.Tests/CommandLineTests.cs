using System.Text.Json;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary><c>dynamo generate</c> and <c>dynamo tokenize</c> as a user runs them, compared with the engine in-process.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-cli-" + Guid.NewGuid().ToString("N"));
    private readonly string _model;

    public CommandLineTests()
    {
        _model = Path.Combine(_root, "tiny-qwen2");
        SyntheticModelFolder.Write(_model, SyntheticModelOptions.Tiny with { Architecture = ModelArchitecture.Qwen2, Seed = 9 });
    }

    [Fact]
    public async Task Generate_json_prints_the_tokens_the_engine_produces()
    {
        var (code, stdout, stderr) = await DynamoProcess.RunAsync(_root, "generate", "--model", _model, "--prompt", "The quick brown fox",
            "--max-tokens", "7", "--temperature", "0", "--dtype", "float32", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var ids = json.RootElement.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var text = json.RootElement.GetProperty("text").GetString();
        Assert.Equal("length", json.RootElement.GetProperty("finish_reason").GetString());
        Assert.Equal(7, json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.True(json.RootElement.GetProperty("timings").GetProperty("total_seconds").GetDouble() > 0);

        using var runtime = ModelRuntime.Load(new EngineOptions { Model = _model, DType = "float32", Threads = 1 });
        var prompt = runtime.Tokenizer.Encode("The quick brown fox");
        Assert.Equal(prompt, json.RootElement.GetProperty("prompt_token_ids").EnumerateArray().Select(e => e.GetInt32()));
        var (tokens, _) = await runtime.Engine.GenerateAsync(prompt, SamplingParams.Greedy(7));
        Assert.Equal(tokens.Select(t => t.TokenId), ids);
        Assert.Equal(runtime.Tokenizer.Decode(ids, skipSpecialTokens: true), text);
    }

    [Fact]
    public async Task Generate_takes_prompt_ids_and_a_seed_reproducibly()
    {
        string[] args = ["generate", "--model", _model, "--prompt-ids", "1,2,3,4", "--max-tokens", "6", "--temperature", "1.0", "--seed", "11", "--json"];
        var first = await DynamoProcess.RunAsync(_root, args);
        var second = await DynamoProcess.RunAsync(_root, args);
        Assert.True(first.ExitCode == 0, first.Stderr);
        using var a = JsonDocument.Parse(first.Stdout);
        using var b = JsonDocument.Parse(second.Stdout);
        Assert.Equal(a.RootElement.GetProperty("token_ids").ToString(), b.RootElement.GetProperty("token_ids").ToString());
        Assert.Equal("[1,2,3,4]", a.RootElement.GetProperty("prompt_token_ids").ToString());
    }

    [Fact]
    public async Task Tokenize_prints_the_tokenizer_ids()
    {
        var (code, stdout, stderr) = await DynamoProcess.RunAsync(_root, "tokenize", "--model", _model, "--text", "héllo wörld 👋");
        Assert.True(code == 0, stderr);
        var expected = Kernels.Tokenization.ModelTokenizer.Load(_model).Encode("héllo wörld 👋");
        Assert.Equal(string.Join(',', expected), stdout.Trim());
    }

    [Fact]
    public async Task Without_a_model_the_default_model_is_generated_and_used()
    {
        var (code, stdout, stderr) = await DynamoProcess.RunAsync(_root, "generate", "--prompt", "Hello", "--max-tokens", "3", "--json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(DefaultModel.Name, json.RootElement.GetProperty("model").GetString());
        Assert.True(File.Exists(Path.Combine(_root, "models", DefaultModel.Name, "model.safetensors")));
    }

    [Theory]
    [InlineData("corrupt-weights")]
    [InlineData("missing-folder")]
    [InlineData("bad-token-id")]
    [InlineData("no-prompt")]
    public async Task Bad_input_is_one_clear_line_and_a_nonzero_exit(string kind)
    {
        string[] args = kind switch
        {
            "corrupt-weights" => ["generate", "--model", Corrupt(), "--prompt", "hi"],
            "missing-folder" => ["generate", "--model", Path.Combine(_root, "nope"), "--prompt", "hi"],
            "bad-token-id" => ["generate", "--model", _model, "--prompt-ids", "1,x"],
            _ => ["generate", "--model", _model],
        };
        var (code, _, stderr) = await DynamoProcess.RunAsync(_root, args);
        Assert.NotEqual(0, code);
        Assert.DoesNotContain("   at ", stderr); // no stack trace
        Assert.Contains(kind switch
        {
            "corrupt-weights" => "model.safetensors",
            "missing-folder" => "does not exist",
            "bad-token-id" => "'x' is not a token id",
            _ => "--prompt",
        }, stderr);
    }

    [Theory]
    [InlineData("--router-mode", "fastest", "router mode 'fastest' is not valid: expected kv, least-loaded, round-robin or random")]
    [InlineData("--kv-overlap-weight", "-1", "--kv-overlap-weight -1 is not valid")]
    [InlineData("--prefill-queue-limit", "-5", "--prefill-queue-limit -5 is not valid")]
    [InlineData("--engine-nice", "20", "--engine-nice 20 is not valid: expected 0 (off) to 19")]
    public async Task An_invalid_serve_option_is_refused_before_anything_starts(string option, string value, string message)
    {
        var (code, _, stderr) = await DynamoProcess.RunAsync(_root, "serve", "--model", _model, "--http-port", "0", option, value);
        Assert.NotEqual(0, code);
        Assert.DoesNotContain("   at ", stderr);
        Assert.Contains(message, stderr);
    }

    private string Corrupt()
    {
        var copy = Path.Combine(_root, "corrupt");
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(_model)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        var weights = Path.Combine(copy, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]); // truncated mid-data
        return copy;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
