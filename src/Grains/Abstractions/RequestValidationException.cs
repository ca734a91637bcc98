namespace Dynamo.Orleans;

/// <summary>
/// A request that cannot be served as asked; <see cref="Param"/> names the offending field (OpenAI's error "param").
/// Derives from Exception, not ArgumentException: Orleans serializes it with its own generated codec.
/// </summary>
[GenerateSerializer]
public sealed class RequestValidationException : Exception
{
    public RequestValidationException(string message, string? param = null) : base(message) => Param = param;

    [Id(0)] public string? Param { get; }
}
