namespace Dynamo.Orleans;

/// <summary>A request that cannot be served as asked; <see cref="Param"/> names the offending field (OpenAI's error "param").</summary>
[GenerateSerializer]
public sealed class RequestValidationException : ArgumentException
{
    public RequestValidationException(string message, string? param = null) : base(message) => Param = param;

    [Id(0)] public string? Param { get; }
}
