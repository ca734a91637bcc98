namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>Options of one model engine. A silo binds them from the "Fabric:Engine" configuration section; the command line sets them too.</summary>
public sealed class EngineOptions
{
    /// <summary>A Hugging Face model folder. Null: the embedded default model (random weights).</summary>
    public string? Model { get; set; }
    /// <summary>"cpu", "cuda" or "cuda:N".</summary>
    public string Device { get; set; } = "cpu";
    /// <summary>"auto" (bfloat16 unless the checkpoint is float32), "bfloat16" or "float32". float16 compute is refused on CPU.</summary>
    public string DType { get; set; } = "auto";
    /// <summary>Tokens per KV block.</summary>
    public int BlockSize { get; set; } = 16;
    /// <summary>Memory for the KV cache; the block count is this divided by the bytes of one block over all layers.</summary>
    public long KvCacheBytes { get; set; } = 512L * 1024 * 1024;
    /// <summary>Overrides <see cref="KvCacheBytes"/> with an exact block count (tests use it to make the cache small).</summary>
    public int? KvCacheBlocks { get; set; }
    /// <summary>Most sequences in one step.</summary>
    public int MaxNumSeqs { get; set; } = 64;
    /// <summary>Token budget of one step: decode tokens first, then prefill chunks fill what is left (chunked prefill).</summary>
    public int MaxBatchedTokens { get; set; } = 512;
    /// <summary>Context window (prompt + output). Null: the model's max_position_embeddings, capped at 8192.</summary>
    public int? MaxModelLen { get; set; }
    /// <summary>Reuse KV blocks of identical prompt prefixes.</summary>
    public bool EnablePrefixCaching { get; set; } = true;
    /// <summary>Intra-op threads of the engine's compute. Null: all cores.</summary>
    public int? Threads { get; set; }
    /// <summary>
    /// How many nice levels libtorch's worker threads run below the rest of the process (the engine thread itself
    /// keeps its priority), so that Orleans and the HTTP API get a core the moment they need one even when the engine
    /// uses every core (Linux; 0: off; capped at nice 19). See <see cref="EngineThreadPriority"/>.
    /// </summary>
    public int ThreadNice { get; set; } = 10;
    /// <summary>Where the KV cache lives: registered memory peers on the host can map (the default), or private memory.</summary>
    public Caching.KvPoolOptions KvPool { get; set; } = new();

    /// <summary>The context window: <see cref="MaxModelLen"/>, else the model's max_position_embeddings capped at 8192.</summary>
    public int ResolveMaxModelLen(Checkpoints.ModelConfig config) => MaxModelLen ?? Math.Min(config.MaxPositionEmbeddings, 8192);

    public void Validate()
    {
        if (BlockSize is < 1 or > 1024) throw new ArgumentException($"BlockSize must be between 1 and 1024, got {BlockSize}");
        if (MaxNumSeqs < 1) throw new ArgumentException($"MaxNumSeqs must be at least 1, got {MaxNumSeqs}");
        if (MaxBatchedTokens < MaxNumSeqs)
            throw new ArgumentException($"MaxBatchedTokens ({MaxBatchedTokens}) must be at least MaxNumSeqs ({MaxNumSeqs}) so every running sequence can decode each step");
        if (KvCacheBlocks is < 1) throw new ArgumentException($"KvCacheBlocks must be at least 1, got {KvCacheBlocks}");
        if (KvCacheBlocks is null && KvCacheBytes < 1) throw new ArgumentException($"KvCacheBytes must be positive, got {KvCacheBytes}");
        if (Threads is < 1) throw new ArgumentException($"Threads must be at least 1, got {Threads}");
        if (ThreadNice is < 0 or > EngineThreadPriority.MaxNice)
            throw new ArgumentException($"ThreadNice must be between 0 (off) and {EngineThreadPriority.MaxNice}, got {ThreadNice}");
    }
}
