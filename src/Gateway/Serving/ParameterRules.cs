using System.Text.Json;
using Dynamo.Orleans.Gateway.Errors;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>
/// The OpenAI parameters both endpoints share, checked the same way: what this server cannot do is refused by name
/// (400), never ignored. Value ranges the engine owns (max_tokens, temperature, top_p, logprobs) are left to the sequence grain,
/// which reports them as <see cref="RequestValidationException"/> with the parameter's name.
/// </summary>
internal static class ParameterRules
{
    public static void RequireSingleChoice(int? n)
    {
        if (n is { } value && value != 1)
            throw ApiError.Unsupported("n", $"n={value} is not supported: this server returns exactly one choice per request (n=1); send parallel requests instead.");
    }

    public static void RejectPenalty(string name, double? value)
    {
        if (value is { } v && v != 0)
            throw ApiError.Unsupported(name, $"{name} is not supported by this engine: only 0 is accepted, got {v}.");
    }

    public static void RejectLogitBias(JsonElement? logitBias)
    {
        if (logitBias is { ValueKind: JsonValueKind.Object } bias && bias.EnumerateObject().Any())
            throw ApiError.Unsupported("logit_bias", "logit_bias is not supported by this engine.");
    }

    public static void RequireStreamForStreamOptions(bool stream, object? streamOptions)
    {
        if (!stream && streamOptions is not null)
            throw ApiError.Invalid("stream_options is only allowed when stream is true.", "stream_options");
    }

    /// <summary>vLLM's top_k: -1 (and 0) mean "no limit".</summary>
    public static int TopK(int? value)
    {
        if (value is < -1) throw ApiError.Invalid($"top_k must be -1 (disabled) or positive, got {value}.", "top_k");
        return value is null or -1 ? 0 : value.Value;
    }

    /// <summary>OpenAI's seed is a signed 64-bit integer; the engine's is its bit pattern.</summary>
    public static ulong? Seed(long? seed) => seed is { } s ? unchecked((ulong)s) : null;
}
