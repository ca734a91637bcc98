namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary><c>GET /v1/models</c>.</summary>
public sealed record ModelList(IReadOnlyList<ModelCard> Data)
{
    public string Object => "list";
}

/// <summary>One served model; <c>max_model_len</c> is vLLM's extension (the context window).</summary>
public sealed record ModelCard(string Id, long Created, string OwnedBy, int MaxModelLen)
{
    public string Object => "model";
}
