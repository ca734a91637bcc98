using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>Source-generated JSON for every wire type, in OpenAI's snake_case; unknown request fields are ignored.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(ChatCompletionResponse))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(CompletionResponse))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelCard))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthReport))]
public sealed partial class GatewayJsonContext : JsonSerializerContext;

/// <summary>The options the gateway writes with.</summary>
public sealed partial class GatewayJsonContext
{
    /// <summary>
    /// Text goes out as UTF-8, as OpenAI sends it, rather than with every non-ASCII or HTML-sensitive character
    /// \u-escaped (the default guards JSON embedded in HTML, which these responses never are). Control characters
    /// are still escaped, so an SSE data line never contains a raw newline.
    /// </summary>
    public static GatewayJsonContext Wire { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
