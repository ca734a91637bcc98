namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>The Llama-family architectures this server runs; <see cref="ModelArchitectures.HuggingFaceName"/> is the config.json spelling.</summary>
public enum ModelArchitecture
{
    Llama,
    Mistral,
    Qwen2,
}

public static class ModelArchitectures
{
    public static string HuggingFaceName(this ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Llama => "LlamaForCausalLM",
        ModelArchitecture.Mistral => "MistralForCausalLM",
        ModelArchitecture.Qwen2 => "Qwen2ForCausalLM",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, null),
    };

    /// <summary>The config.json <c>model_type</c>.</summary>
    public static string ModelType(this ModelArchitecture architecture) => architecture switch
    {
        ModelArchitecture.Llama => "llama",
        ModelArchitecture.Mistral => "mistral",
        ModelArchitecture.Qwen2 => "qwen2",
        _ => throw new ArgumentOutOfRangeException(nameof(architecture), architecture, null),
    };
}
