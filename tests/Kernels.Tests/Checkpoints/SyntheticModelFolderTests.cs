using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Microsoft.ML.Tokenizers;
using TorchSharp;

namespace Dynamo.Orleans.Kernels.Tests.Checkpoints;

public sealed class SyntheticModelFolderTests : IDisposable
{
    readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>Writes a synthetic folder and returns its path: the one way tests in this folder get a model.</summary>
    internal static string WriteTiny(string directory, SyntheticModelOptions options)
    {
        SyntheticModelFolder.Write(directory, options);
        return directory;
    }

    static readonly string[] ModelFiles =
        ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"];

    [Theory]
    [InlineData(ModelArchitecture.Llama, false)]
    [InlineData(ModelArchitecture.Qwen2, false)]
    [InlineData(ModelArchitecture.Mistral, true)]
    public void Every_architecture_opens_and_every_weight_loads_with_its_shape(ModelArchitecture architecture, bool sharded)
    {
        var options = SyntheticModelOptions.Tiny with { Architecture = architecture, Sharded = sharded };
        var folder = WriteTiny(_scratch.Sub(architecture.ToString()), options);
        foreach (var file in ModelFiles) Assert.True(File.Exists(Path.Combine(folder, file)), file);

        using var checkpoint = Checkpoint.Open(folder);
        var config = checkpoint.Config;
        Assert.Equal(architecture.HuggingFaceName(), config.Architecture);
        Assert.Equal((64, 176, 2, 4, 2, 16), (config.HiddenSize, config.IntermediateSize, config.NumHiddenLayers, config.NumAttentionHeads, config.NumKeyValueHeads, config.HeadDim));
        Assert.Equal(architecture == ModelArchitecture.Qwen2, config.AttentionBias);
        Assert.Equal(0, config.VocabSize % SyntheticModelFolder.VocabMultiple);
        Assert.True(config.VocabSize >= 50257 + 2);
        Assert.Equal(sharded, checkpoint.Files.Count > 1);

        var expected = LlamaWeightNames.Expected(config);
        Assert.Equal(expected.Select(w => w.Name).Order(), checkpoint.TensorNames.Order());
        Assert.Equal(expected.Sum(w => w.Shape.Aggregate(1L, (a, b) => a * b) * 2), checkpoint.TotalBytes);
        Assert.Equal(architecture == ModelArchitecture.Qwen2, checkpoint.Contains(LlamaWeightNames.QBias(0)));
        foreach (var weight in expected)
        {
            using var tensor = checkpoint.Load(weight, torch.ScalarType.BFloat16, torch.CPU);
            Assert.Equal(weight.Shape, tensor.shape);
            Assert.Equal(torch.ScalarType.BFloat16, tensor.dtype);
        }

        using var q = checkpoint.Load(LlamaWeightNames.QProj(0), [64, 64], torch.ScalarType.Float32, torch.CPU);
        using var k = checkpoint.Load(LlamaWeightNames.KProj(0), [32, 64], torch.ScalarType.Float32, torch.CPU);
        using var o = checkpoint.Load(LlamaWeightNames.OProj(0), [64, 64], torch.ScalarType.Float32, torch.CPU);
        using var down = checkpoint.Load(LlamaWeightNames.DownProj(1), [64, 176], torch.ScalarType.Float32, torch.CPU);
        using var norm = checkpoint.Load(LlamaWeightNames.FinalNorm, [64], torch.ScalarType.Float32, torch.CPU);
        Assert.InRange(q.std().item<float>(), 0.017f, 0.023f);
        Assert.InRange(q.mean().item<float>(), -0.003f, 0.003f);
        Assert.InRange(norm.mean().item<float>(), 0.99f, 1.01f);
        Assert.False(q.Equals(o), "each tensor has its own stream");
    }

    [Fact]
    public void The_same_seed_gives_byte_identical_folders_and_another_seed_other_weights()
    {
        var options = SyntheticModelOptions.Tiny with { Architecture = ModelArchitecture.Qwen2, Sharded = true, Llama3RopeScaling = true };
        var a = WriteTiny(_scratch.Sub("a"), options);
        var b = WriteTiny(_scratch.Sub("b"), options);
        var c = WriteTiny(_scratch.Sub("c"), options with { Seed = 1 });

        var files = Directory.GetFiles(a).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(files, Directory.GetFiles(b).Select(Path.GetFileName).Order().ToList());
        foreach (var file in files)
            Assert.True(File.ReadAllBytes(Path.Combine(a, file!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, file!))), file);

        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "tokenizer.json")), File.ReadAllBytes(Path.Combine(c, "tokenizer.json")));
        var weightFile = files.First(f => f!.EndsWith(".safetensors", StringComparison.Ordinal))!;
        Assert.False(File.ReadAllBytes(Path.Combine(a, weightFile)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(c, weightFile))));
    }

    [Theory]
    [InlineData(SafetensorsDtype.BF16, torch.ScalarType.BFloat16, "bfloat16")]
    [InlineData(SafetensorsDtype.F16, torch.ScalarType.Float32, "float16")]
    [InlineData(SafetensorsDtype.F32, torch.ScalarType.Float32, "float32")]
    public void Weights_are_stored_in_the_chosen_dtype(SafetensorsDtype dtype, torch.ScalarType compute, string torchDtype)
    {
        var folder = WriteTiny(_scratch.Sub("m"), SyntheticModelOptions.Tiny with { Dtype = dtype, TieWordEmbeddings = true });
        using var checkpoint = Checkpoint.Open(folder);
        Assert.Equal(torchDtype, checkpoint.Config.TorchDtype);
        Assert.True(checkpoint.Config.TieWordEmbeddings);
        Assert.False(checkpoint.Contains(LlamaWeightNames.LmHead));
        Assert.Equal(dtype, checkpoint.Describe(LlamaWeightNames.Embedding).Dtype);
        using var embedding = checkpoint.Load(LlamaWeightNames.Embedding, [checkpoint.Config.VocabSize, 64], compute, torch.CPU);
        using var asFloat = embedding.to_type(torch.ScalarType.Float32);
        Assert.InRange(asFloat.std().item<float>(), 0.019f, 0.021f);
    }

    [Fact]
    public void Config_carries_gqa_rope_and_the_flavours_special_token_ids()
    {
        var llama = WriteTiny(_scratch.Sub("llama"), SyntheticModelOptions.Tiny with { Llama3RopeScaling = true });
        var config = ModelConfig.Load(llama);
        Assert.Equal(500000.0, config.RopeTheta);
        Assert.Equal(new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192), config.RopeScaling);
        Assert.Equal(50257, config.BosTokenId); // <|begin_of_text|> right after GPT-2's <|endoftext|>
        Assert.Equal([50261, 50258], config.EosTokenIds); // <|eot_id|>, <|end_of_text|>

        var tokenizerConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(llama, "tokenizer_config.json")))!;
        Assert.Equal("<|begin_of_text|>", tokenizerConfig["bos_token"]!.GetValue<string>());
        Assert.Equal("<|eot_id|>", tokenizerConfig["eos_token"]!.GetValue<string>());
        Assert.True(tokenizerConfig["add_bos_token"]!.GetValue<bool>());
        Assert.Contains("<|start_header_id|>", tokenizerConfig["chat_template"]!.GetValue<string>());
        Assert.Equal("<|eot_id|>", tokenizerConfig["added_tokens_decoder"]!["50261"]!["content"]!.GetValue<string>());

        var qwen = WriteTiny(_scratch.Sub("qwen"), SyntheticModelOptions.Tiny with { Architecture = ModelArchitecture.Qwen2 });
        var qwenConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(qwen, "tokenizer_config.json")))!;
        Assert.Null(qwenConfig["bos_token"]);
        Assert.Equal("<|im_end|>", qwenConfig["eos_token"]!.GetValue<string>());
        Assert.Contains("<|im_start|>", qwenConfig["chat_template"]!.GetValue<string>());
        Assert.Equal([50258, 50256], ModelConfig.Load(qwen).EosTokenIds);

        var mistral = WriteTiny(_scratch.Sub("mistral"), SyntheticModelOptions.Tiny with { Architecture = ModelArchitecture.Mistral });
        var generation = JsonNode.Parse(File.ReadAllText(Path.Combine(mistral, "generation_config.json")))!;
        Assert.Equal(50257, generation["bos_token_id"]!.GetValue<int>());
        Assert.Equal(50258, generation["eos_token_id"]![0]!.GetValue<int>());
        Assert.Contains("[INST]", JsonNode.Parse(File.ReadAllText(Path.Combine(mistral, "tokenizer_config.json")))!["chat_template"]!.GetValue<string>());
    }

    [Fact]
    public void Tokenizer_json_is_gpt2_byte_level_bpe_and_encodes_like_tiktoken()
    {
        var folder = WriteTiny(_scratch.Sub("m"), SyntheticModelOptions.Tiny);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer.json")))!;
        var vocab = json["model"]!["vocab"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<int>());
        var merges = json["model"]!["merges"]!.AsArray().Select(m => m!.GetValue<string>()).ToList();
        Assert.Equal(50256, vocab.Count);
        Assert.Equal(50000, merges.Count);
        Assert.Equal(0, vocab["!"]);
        Assert.Equal("Ġ t", merges[0]); // GPT-2's first merge
        Assert.Equal("ByteLevel", json["decoder"]!["type"]!.GetValue<string>());
        var added = json["added_tokens"]!.AsArray().Select(t => (t!["id"]!.GetValue<int>(), t["content"]!.GetValue<string>())).ToList();
        Assert.Equal((50256, "<|endoftext|>"), added[0]);
        Assert.Equal((50261, "<|eot_id|>"), added[^1]);

        var bpe = BpeTokenizer.Create(new BpeOptions(vocab)
        {
            Merges = merges,
            ByteLevel = true,
            PreTokenizer = new RegexPreTokenizer(new Regex(SyntheticTokenizer.Gpt2SplitPattern, RegexOptions.Compiled), null),
        });
        var tiktoken = TiktokenTokenizer.CreateForModel("gpt2");
        foreach (var text in new[] { "Hello world! It's 2024, and the quick brown fox jumps.", "  leading spaces\n\ttabs and emoji 🦙 naïve café", "def f(x):\n    return x**2" })
            Assert.Equal(tiktoken.EncodeToIds(text), bpe.EncodeToIds(text));
    }

    [Fact]
    public void TinyLlama_shaped_preset_has_TinyLlamas_layer_shapes()
    {
        var options = SyntheticModelOptions.TinyLlamaShaped(layers: 3);
        Assert.Equal((2048, 5632, 3, 32, 4, 64, SafetensorsDtype.BF16),
            (options.HiddenSize, options.IntermediateSize, options.NumLayers, options.NumHeads, options.NumKeyValueHeads, options.HeadDim, options.Dtype));
        Assert.Equal(4, SyntheticModelOptions.TinyLlamaShaped().NumLayers);
    }

    [Fact]
    public void Llama32_1B_shaped_preset_has_its_shapes_and_a_vocabulary_larger_than_the_tokenizers()
    {
        var options = SyntheticModelOptions.Llama32OneBShaped();
        Assert.Equal((2048, 8192, 16, 32, 8, 64, 128256, true, SafetensorsDtype.BF16),
            (options.HiddenSize, options.IntermediateSize, options.NumLayers, options.NumHeads, options.NumKeyValueHeads, options.HeadDim,
             options.VocabSize, options.TieWordEmbeddings, options.Dtype));

        // The same padding on a small model: config.json and the embedding take the asked size; fewer ids than the tokenizer's is refused.
        var folder = WriteTiny(_scratch.Sub("padded"), SyntheticModelOptions.Tiny with { VocabSize = 60000 });
        using (var checkpoint = Checkpoint.Open(folder))
        {
            Assert.Equal(60000, checkpoint.Config.VocabSize);
            Assert.Equal([60000L, 64L], checkpoint.Describe(LlamaWeightNames.Embedding).Shape);
        }
        Assert.Contains("smaller than the tokenizer", Assert.Throws<ArgumentException>(
            () => SyntheticModelFolder.Write(_scratch.Sub("short"), SyntheticModelOptions.Tiny with { VocabSize = 1000 })).Message);
    }

    [Fact]
    public void Invalid_options_are_rejected_before_anything_is_written()
    {
        var folder = _scratch.Sub("bad");
        Assert.Throws<ArgumentException>(() => SyntheticModelFolder.Write(folder, SyntheticModelOptions.Tiny with { NumKeyValueHeads = 3 }));
        Assert.Throws<ArgumentException>(() => SyntheticModelFolder.Write(folder, SyntheticModelOptions.Tiny with { Dtype = SafetensorsDtype.I8 }));
        Assert.Empty(Directory.GetFiles(folder));
    }
}
