using System.Text.Json;

namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>RoPE frequency scaling from <c>rope_scaling</c>; only the Llama 3.1 "llama3" type changes frequencies.</summary>
public sealed record RopeScaling(string Type, double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositionEmbeddings);

/// <summary>
/// The parts of a Hugging Face <c>config.json</c> that the Llama-family forward needs. Llama, Mistral and Qwen2 share
/// one shape; they differ in q/k/v bias (Qwen2), sliding windows (ignored: we never exceed them in tests), and defaults.
/// </summary>
public sealed record ModelConfig
{
    public static readonly IReadOnlyList<string> SupportedArchitectures = ["LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"];

    public required string Architecture { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int HeadDim { get; init; }
    public required double RmsNormEps { get; init; }
    public required double RopeTheta { get; init; }
    public RopeScaling? RopeScaling { get; init; }
    public required int MaxPositionEmbeddings { get; init; }
    public required bool TieWordEmbeddings { get; init; }
    /// <summary>Qwen2 has biases on q/k/v projections; Llama and Mistral have none (unless <c>attention_bias</c>).</summary>
    public required bool AttentionBias { get; init; }
    /// <summary>The checkpoint's declared dtype ("bfloat16", "float16", "float32").</summary>
    public required string TorchDtype { get; init; }
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    public static ModelConfig Load(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, "config.json");
        if (!File.Exists(path))
            throw new CheckpointException(path, null, "config.json is missing: not a Hugging Face model folder.");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return Parse(doc.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, null, $"config.json is not valid JSON: {e.Message}");
        }
    }

    public static ModelConfig Parse(JsonElement root, string path)
    {
        string architecture = root.TryGetProperty("architectures", out var archs) && archs.ValueKind == JsonValueKind.Array && archs.GetArrayLength() > 0
            ? archs[0].GetString() ?? ""
            : "";
        if (!SupportedArchitectures.Contains(architecture))
            throw new CheckpointException(path, null,
                $"architecture '{(architecture.Length == 0 ? "(none)" : architecture)}' is not supported; supported: {string.Join(", ", SupportedArchitectures)}.");

        int Int(string name, int? fallback = null)
        {
            if (root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number) return v.GetInt32();
            return fallback ?? throw new CheckpointException(path, null, $"config.json lacks the integer '{name}'.");
        }
        double Double(string name, double fallback) =>
            root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : fallback;
        bool Bool(string name, bool fallback) =>
            root.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.True || v.ValueKind == JsonValueKind.False) ? v.GetBoolean() : fallback;

        int hidden = Int("hidden_size");
        int heads = Int("num_attention_heads");
        int kvHeads = Int("num_key_value_heads", heads);
        if (hidden % heads != 0 && !root.TryGetProperty("head_dim", out _))
            throw new CheckpointException(path, null, $"hidden_size {hidden} is not a multiple of num_attention_heads {heads}.");
        if (heads % kvHeads != 0)
            throw new CheckpointException(path, null, $"num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}.");
        int headDim = root.TryGetProperty("head_dim", out var hd) && hd.ValueKind == JsonValueKind.Number ? hd.GetInt32() : hidden / heads;

        RopeScaling? scaling = null;
        if (root.TryGetProperty("rope_scaling", out var rs) && rs.ValueKind == JsonValueKind.Object)
        {
            string type = rs.TryGetProperty("rope_type", out var t) ? t.GetString() ?? "" : rs.TryGetProperty("type", out var t2) ? t2.GetString() ?? "" : "";
            if (type is not ("llama3" or "default"))
                throw new CheckpointException(path, null, $"rope_scaling type '{type}' is not supported; supported: llama3.");
            if (type == "llama3")
                scaling = new RopeScaling(type,
                    rs.GetProperty("factor").GetDouble(),
                    rs.TryGetProperty("low_freq_factor", out var l) ? l.GetDouble() : 1.0,
                    rs.TryGetProperty("high_freq_factor", out var h) ? h.GetDouble() : 4.0,
                    rs.TryGetProperty("original_max_position_embeddings", out var o) ? o.GetInt32() : 8192);
        }

        var eos = new List<int>();
        if (root.TryGetProperty("eos_token_id", out var e))
        {
            if (e.ValueKind == JsonValueKind.Number) eos.Add(e.GetInt32());
            else if (e.ValueKind == JsonValueKind.Array) eos.AddRange(e.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Number).Select(x => x.GetInt32()));
        }

        return new ModelConfig
        {
            Architecture = architecture,
            VocabSize = Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = Int("intermediate_size"),
            NumHiddenLayers = Int("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = Double("rms_norm_eps", 1e-6),
            RopeTheta = Double("rope_theta", 10000.0),
            RopeScaling = scaling,
            MaxPositionEmbeddings = Int("max_position_embeddings", 2048),
            TieWordEmbeddings = Bool("tie_word_embeddings", false),
            AttentionBias = architecture == "Qwen2ForCausalLM" || Bool("attention_bias", false),
            TorchDtype = root.TryGetProperty("torch_dtype", out var dt) && dt.ValueKind == JsonValueKind.String ? dt.GetString()! : "float32",
            BosTokenId = root.TryGetProperty("bos_token_id", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetInt32() : null,
            EosTokenIds = eos,
        };
    }
}
