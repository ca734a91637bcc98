namespace Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

/// <summary>
/// What <see cref="SyntheticModelFolder"/> generates. Defaults are the <see cref="Tiny"/> preset; use <c>with</c> to vary
/// one thing. Null <see cref="RopeTheta"/> and <see cref="RmsNormEps"/> take the family's usual values.
/// </summary>
public sealed record SyntheticModelOptions
{
    /// <summary>Hidden 64, 2 layers, 4 heads over 2 kv heads (GQA), bf16: a few MB, for fast tests.</summary>
    public static SyntheticModelOptions Tiny { get; } = new();

    /// <summary>TinyLlama-1.1B's layer shapes (hidden 2048, intermediate 5632, 32 heads, 4 kv heads) with fewer layers, bf16: for benchmarks.</summary>
    public static SyntheticModelOptions TinyLlamaShaped(int layers = 4) => new()
    {
        HiddenSize = 2048,
        IntermediateSize = 5632,
        NumLayers = layers,
        NumHeads = 32,
        NumKeyValueHeads = 4,
        MaxPositionEmbeddings = 2048,
        Dtype = SafetensorsDtype.BF16,
    };

    /// <summary>
    /// Llama-3.2-1B's shapes (hidden 2048, 16 layers, 32 heads over 8 kv heads, intermediate 8192, a 128,256-token vocabulary,
    /// tied embeddings), bf16: about 2.5 GB of weights, what batch-1 decode speed on a GPU is measured with. The tokenizer
    /// stays GPT-2's: the rows beyond its ids are never produced, but they are read, as a real head's are.
    /// </summary>
    public static SyntheticModelOptions Llama32OneBShaped() => new()
    {
        HiddenSize = 2048,
        IntermediateSize = 8192,
        NumLayers = 16,
        NumHeads = 32,
        NumKeyValueHeads = 8,
        VocabSize = 128256,
        TieWordEmbeddings = true,
        MaxPositionEmbeddings = 4096,
        Dtype = SafetensorsDtype.BF16,
    };

    public ModelArchitecture Architecture { get; init; } = ModelArchitecture.Llama;
    public int HiddenSize { get; init; } = 64;
    public int IntermediateSize { get; init; } = 176;
    public int NumLayers { get; init; } = 2;
    public int NumHeads { get; init; } = 4;
    public int NumKeyValueHeads { get; init; } = 2;
    public int MaxPositionEmbeddings { get; init; } = 512;
    /// <summary>
    /// config.json's vocab_size, when it should be larger than the tokenizer's (padded up to a multiple of 64) — a real
    /// model's embedding and head sizes. Null: the tokenizer's size, padded.
    /// </summary>
    public int? VocabSize { get; init; }
    /// <summary>Stored dtype of the weights and config.json's torch_dtype: BF16, F16 or F32.</summary>
    public SafetensorsDtype Dtype { get; init; } = SafetensorsDtype.BF16;
    public long Seed { get; init; }
    /// <summary>When true, no lm_head.weight is written: the head reuses the embedding.</summary>
    public bool TieWordEmbeddings { get; init; }
    /// <summary>Write model-0000i-of-0000N.safetensors shards and model.safetensors.index.json instead of one file.</summary>
    public bool Sharded { get; init; }
    /// <summary>Data bytes per shard when <see cref="Sharded"/>; 0 splits the weights into about three shards.</summary>
    public long MaxShardBytes { get; init; }
    /// <summary>Adds Llama 3.1's "llama3" rope_scaling (factor 8, low 1, high 4, original 8192).</summary>
    public bool Llama3RopeScaling { get; init; }
    public double? RopeTheta { get; init; }
    public double? RmsNormEps { get; init; }

    public int HeadDim => HiddenSize / NumHeads;

    internal void Validate()
    {
        if (HiddenSize <= 0 || IntermediateSize <= 0 || NumLayers <= 0 || NumHeads <= 0 || NumKeyValueHeads <= 0 || MaxPositionEmbeddings <= 0)
            throw new ArgumentException("model sizes must be positive.");
        if (HiddenSize % NumHeads != 0)
            throw new ArgumentException($"hidden size {HiddenSize} is not a multiple of {NumHeads} heads.");
        if (NumHeads % NumKeyValueHeads != 0)
            throw new ArgumentException($"{NumHeads} heads are not a multiple of {NumKeyValueHeads} kv heads.");
        if (Dtype is not (SafetensorsDtype.BF16 or SafetensorsDtype.F16 or SafetensorsDtype.F32))
            throw new ArgumentException($"dtype {Dtype.HeaderName()} is not a weight dtype: use BF16, F16 or F32.");
        if (VocabSize is <= 0)
            throw new ArgumentException($"vocab size {VocabSize} must be positive.");
        if (MaxShardBytes < 0)
            throw new ArgumentException("MaxShardBytes must be zero (automatic) or positive.");
    }
}
