using System.Text.Json;

namespace Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

/// <summary>
/// Writes a complete Hugging Face model folder — config.json, generation_config.json, safetensors weights (single or
/// sharded), tokenizer.json and tokenizer_config.json — from a seed. No weights can be downloaded here, so every test
/// and benchmark builds its model with this. Same options, same bytes in every file.
/// </summary>
public static class SyntheticModelFolder
{
    /// <summary>vocab_size is rounded up to this, as real checkpoints pad their embeddings; the extra rows are never produced.</summary>
    public const int VocabMultiple = 64;
    const float WeightStd = 0.02f;

    /// <summary>Writes the folder (creating it; existing model files are overwritten) and returns its parsed config.</summary>
    public static ModelConfig Write(string directory, SyntheticModelOptions options)
    {
        options.Validate();
        directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(directory);

        var tokenizer = new SyntheticTokenizer(ChatFlavour.For(options.Architecture));
        int vocabSize = (tokenizer.VocabularySize + VocabMultiple - 1) / VocabMultiple * VocabMultiple;
        if (options.VocabSize is { } wanted)
            vocabSize = wanted >= tokenizer.VocabularySize ? wanted
                : throw new ArgumentException($"vocab size {wanted} is smaller than the tokenizer's {tokenizer.VocabularySize} ids.");

        WriteConfig(Path.Combine(directory, "config.json"), options, tokenizer, vocabSize);
        WriteGenerationConfig(Path.Combine(directory, "generation_config.json"), tokenizer);
        var config = ModelConfig.Load(directory);

        RemoveStaleWeights(directory);
        var tensors = LlamaWeightNames.Expected(config).Select(w => GeneratedTensor(w, options)).ToList();
        if (options.Sharded)
        {
            long total = tensors.Sum(t => t.ByteLength);
            long maxShard = options.MaxShardBytes > 0 ? options.MaxShardBytes : Math.Max(1, (total + 2) / 3);
            SafetensorsWriter.WriteSharded(directory, tensors, maxShard);
        }
        else
        {
            SafetensorsWriter.Write(Path.Combine(directory, SafetensorsWriter.SingleFileName), tensors);
        }

        tokenizer.WriteTokenizerJson(Path.Combine(directory, "tokenizer.json"));
        tokenizer.WriteTokenizerConfig(Path.Combine(directory, "tokenizer_config.json"), options.MaxPositionEmbeddings);
        return config;
    }

    static SafetensorsTensor GeneratedTensor(ExpectedWeight weight, SyntheticModelOptions options)
    {
        // RMSNorm scales start near 1 (as trained ones are), everything else small around 0.
        float mean = weight.IsNorm ? 1f : 0f;
        ulong seed = SeededWeights.SeedFor(options.Seed, weight.Name);
        long count = weight.Shape.Aggregate(1L, (a, b) => a * b);
        return new SafetensorsTensor(weight.Name, options.Dtype, weight.Shape,
            stream => SeededWeights.Write(stream, options.Dtype, count, seed, mean, WeightStd));
    }

    /// <summary>Rewriting a folder as single-file after sharded (or back) must not leave the other layout to be picked up.</summary>
    static void RemoveStaleWeights(string directory)
    {
        File.Delete(Path.Combine(directory, SafetensorsWriter.SingleFileName));
        File.Delete(Path.Combine(directory, SafetensorsWriter.IndexFileName));
        foreach (var shard in Directory.EnumerateFiles(directory, "model-*-of-*.safetensors")) File.Delete(shard);
    }

    static void WriteConfig(string path, SyntheticModelOptions options, SyntheticTokenizer tokenizer, int vocabSize)
    {
        var flavour = tokenizer.Flavour;
        var architecture = options.Architecture;
        double ropeTheta = options.RopeTheta ?? architecture switch
        {
            ModelArchitecture.Llama => 500000.0,
            ModelArchitecture.Qwen2 => 1000000.0,
            _ => 10000.0,
        };
        double rmsNormEps = options.RmsNormEps ?? (architecture == ModelArchitecture.Qwen2 ? 1e-6 : 1e-5);

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, SyntheticTokenizer.HumanReadable);
        json.WriteStartObject();
        json.WriteStartArray("architectures");
        json.WriteStringValue(architecture.HuggingFaceName());
        json.WriteEndArray();
        json.WriteBoolean("attention_bias", architecture == ModelArchitecture.Qwen2);
        json.WriteNumber("attention_dropout", 0.0);
        // Qwen2 prepends no bos yet names <|endoftext|> as bos_token_id in config.json; mirrored here.
        json.WriteNumber("bos_token_id", tokenizer.IdOf(flavour.BosToken ?? ChatFlavour.Gpt2EndOfText));
        if (flavour.StopTokens.Count == 1)
        {
            json.WriteNumber("eos_token_id", tokenizer.IdOf(flavour.StopTokens[0]));
        }
        else
        {
            json.WriteStartArray("eos_token_id");
            foreach (var token in flavour.StopTokens) json.WriteNumberValue(tokenizer.IdOf(token));
            json.WriteEndArray();
        }
        json.WriteNumber("head_dim", options.HeadDim);
        json.WriteString("hidden_act", "silu");
        json.WriteNumber("hidden_size", options.HiddenSize);
        json.WriteNumber("initializer_range", WeightStd);
        json.WriteNumber("intermediate_size", options.IntermediateSize);
        json.WriteNumber("max_position_embeddings", options.MaxPositionEmbeddings);
        if (architecture == ModelArchitecture.Qwen2) json.WriteNumber("max_window_layers", options.NumLayers);
        json.WriteString("model_type", architecture.ModelType());
        json.WriteNumber("num_attention_heads", options.NumHeads);
        json.WriteNumber("num_hidden_layers", options.NumLayers);
        json.WriteNumber("num_key_value_heads", options.NumKeyValueHeads);
        json.WriteNumber("rms_norm_eps", rmsNormEps);
        if (options.Llama3RopeScaling)
        {
            json.WriteStartObject("rope_scaling");
            json.WriteNumber("factor", 8.0);
            json.WriteNumber("high_freq_factor", 4.0);
            json.WriteNumber("low_freq_factor", 1.0);
            json.WriteNumber("original_max_position_embeddings", 8192);
            json.WriteString("rope_type", "llama3");
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("rope_scaling");
        }
        json.WriteNumber("rope_theta", ropeTheta);
        // Windows never bind at synthetic sizes; written so the config reads like the family's own.
        if (architecture == ModelArchitecture.Mistral) json.WriteNull("sliding_window");
        if (architecture == ModelArchitecture.Qwen2)
        {
            json.WriteNumber("sliding_window", options.MaxPositionEmbeddings);
            json.WriteBoolean("use_sliding_window", false);
        }
        json.WriteBoolean("tie_word_embeddings", options.TieWordEmbeddings);
        json.WriteString("torch_dtype", options.Dtype.TorchDtypeName());
        json.WriteString("transformers_version", "4.46.0");
        json.WriteBoolean("use_cache", true);
        json.WriteNumber("vocab_size", vocabSize);
        json.WriteEndObject();
    }

    static void WriteGenerationConfig(string path, SyntheticTokenizer tokenizer)
    {
        var flavour = tokenizer.Flavour;
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, SyntheticTokenizer.HumanReadable);
        json.WriteStartObject();
        json.WriteNumber("bos_token_id", tokenizer.IdOf(flavour.BosToken ?? ChatFlavour.Gpt2EndOfText));
        json.WriteStartArray("eos_token_id");
        foreach (var token in flavour.StopTokens) json.WriteNumberValue(tokenizer.IdOf(token));
        json.WriteEndArray();
        json.WriteString("transformers_version", "4.46.0");
        json.WriteEndObject();
    }
}
