namespace Dynamo.Orleans;

/// <summary>A chat message for <see cref="GenerateRequest.Messages"/>; rendered through the model's chat template.</summary>
[GenerateSerializer, Immutable]
public sealed record ChatTurn([property: Id(0)] string Role, [property: Id(1)] string Content);

/// <summary>
/// One completion request. Give exactly one of <see cref="Prompt"/>, <see cref="PromptTokenIds"/> or <see cref="Messages"/>.
/// Sampling fields follow OpenAI's meaning; <see cref="Temperature"/> 0 is greedy. A sampling field left null takes the
/// engine's default (max_tokens 16, temperature 1, top_p 1), and the sequence grain checks every range, naming the
/// parameter in its <see cref="RequestValidationException"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record GenerateRequest
{
    [Id(0)] public string? Prompt { get; init; }
    [Id(1)] public IReadOnlyList<int>? PromptTokenIds { get; init; }
    [Id(2)] public IReadOnlyList<ChatTurn>? Messages { get; init; }
    /// <summary>Tokens to generate at most; when null, 16 for a prompt and the room left in the context window for messages (as OpenAI).</summary>
    [Id(3)] public int? MaxTokens { get; init; }
    [Id(4)] public double? Temperature { get; init; }
    [Id(5)] public double? TopP { get; init; }
    [Id(6)] public int TopK { get; init; }
    /// <summary>Null: the sequence grain picks one (and keeps it across handoffs and re-routes).</summary>
    [Id(7)] public ulong? Seed { get; init; }
    /// <summary>Strings that end the completion; the text stops before them (OpenAI's <c>stop</c>).</summary>
    [Id(8)] public IReadOnlyList<string> Stop { get; init; } = [];
    [Id(9)] public IReadOnlyList<int> StopTokenIds { get; init; } = [];
    [Id(10)] public bool IgnoreEos { get; init; }
    /// <summary>Null: none. 0: each token's logprob. N: also the N most likely alternatives.</summary>
    [Id(11)] public int? Logprobs { get; init; }
    /// <summary>The model asked for; null means the served one. A different name is refused.</summary>
    [Id(12)] public string? Model { get; init; }
}
