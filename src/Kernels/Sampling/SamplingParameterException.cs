namespace Dynamo.Orleans.Kernels.Sampling;

/// <summary>
/// A sampling parameter out of its range. <see cref="Parameter"/> is the parameter's OpenAI name (<c>max_tokens</c>,
/// <c>top_p</c>, ...), so every layer above can name it to its caller without parsing the message.
/// </summary>
public sealed class SamplingParameterException(string parameter, string message) : ArgumentException(message)
{
    public string Parameter { get; } = parameter;
}
