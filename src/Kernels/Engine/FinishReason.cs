namespace Dynamo.Orleans.Kernels.Engine;

/// <summary>Why a sequence ended (OpenAI's finish_reason, plus the two ways a request can end without one).</summary>
public enum FinishReason
{
    /// <summary>An end-of-sequence or stop token.</summary>
    Stop,
    /// <summary>max_tokens, the context window, or a KV cache too small for the sequence.</summary>
    Length,
    Cancelled,
    Error,
}
