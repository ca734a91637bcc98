namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>
/// Hugging Face tensor names of the Llama family (Llama, Mistral, Qwen2 share them) and the shapes a config implies.
/// Linear weights are stored [out_features, in_features], as torch.nn.Linear keeps them.
/// </summary>
public static class LlamaWeightNames
{
    public const string Embedding = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    /// <summary>Absent when <c>tie_word_embeddings</c>: the head then reuses <see cref="Embedding"/>.</summary>
    public const string LmHead = "lm_head.weight";

    static string Layer(int layer) => $"model.layers.{layer}";
    public static string QProj(int layer) => $"{Layer(layer)}.self_attn.q_proj.weight";
    public static string KProj(int layer) => $"{Layer(layer)}.self_attn.k_proj.weight";
    public static string VProj(int layer) => $"{Layer(layer)}.self_attn.v_proj.weight";
    public static string OProj(int layer) => $"{Layer(layer)}.self_attn.o_proj.weight";
    public static string QBias(int layer) => $"{Layer(layer)}.self_attn.q_proj.bias";
    public static string KBias(int layer) => $"{Layer(layer)}.self_attn.k_proj.bias";
    public static string VBias(int layer) => $"{Layer(layer)}.self_attn.v_proj.bias";
    public static string GateProj(int layer) => $"{Layer(layer)}.mlp.gate_proj.weight";
    public static string UpProj(int layer) => $"{Layer(layer)}.mlp.up_proj.weight";
    public static string DownProj(int layer) => $"{Layer(layer)}.mlp.down_proj.weight";
    public static string InputNorm(int layer) => $"{Layer(layer)}.input_layernorm.weight";
    public static string PostAttentionNorm(int layer) => $"{Layer(layer)}.post_attention_layernorm.weight";

    /// <summary>Every tensor the forward reads, in the order HF modules declare them.</summary>
    public static IReadOnlyList<ExpectedWeight> Expected(ModelConfig config)
    {
        long hidden = config.HiddenSize, intermediate = config.IntermediateSize, vocab = config.VocabSize;
        long qWidth = (long)config.NumAttentionHeads * config.HeadDim;
        long kvWidth = (long)config.NumKeyValueHeads * config.HeadDim;

        var weights = new List<ExpectedWeight> { new(Embedding, [vocab, hidden]) };
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            weights.Add(new(QProj(i), [qWidth, hidden]));
            if (config.AttentionBias) weights.Add(new(QBias(i), [qWidth]));
            weights.Add(new(KProj(i), [kvWidth, hidden]));
            if (config.AttentionBias) weights.Add(new(KBias(i), [kvWidth]));
            weights.Add(new(VProj(i), [kvWidth, hidden]));
            if (config.AttentionBias) weights.Add(new(VBias(i), [kvWidth]));
            weights.Add(new(OProj(i), [hidden, qWidth]));
            weights.Add(new(GateProj(i), [intermediate, hidden]));
            weights.Add(new(UpProj(i), [intermediate, hidden]));
            weights.Add(new(DownProj(i), [hidden, intermediate]));
            weights.Add(new(InputNorm(i), [hidden]));
            weights.Add(new(PostAttentionNorm(i), [hidden]));
        }
        weights.Add(new(FinalNorm, [hidden]));
        if (!config.TieWordEmbeddings) weights.Add(new(LmHead, [vocab, hidden]));
        return weights;
    }
}
