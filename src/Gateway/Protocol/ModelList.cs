using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary><c>GET /v1/models</c>.</summary>
public sealed record ModelList(IReadOnlyList<ModelCard> Data)
{
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}

/// <summary>One served model; <c>max_model_len</c> is vLLM's extension (the context window).</summary>
public sealed record ModelCard([property: JsonPropertyOrder(-2)] string Id, long Created, string OwnedBy, int MaxModelLen)
{
    [JsonPropertyOrder(-1)]
    public string Object => "model";
}
