using System.Text.Json;

namespace Dynamo.Orleans.Bench.Client;

/// <summary>
/// One <c>data:</c> payload of an OpenAI completion stream (text or chat): whether it brought generated text, its finish
/// reason, the usage it reports (the last chunk when <c>include_usage</c> is on) — completion tokens and the prompt tokens
/// served from the prefix cache (<c>usage.prompt_tokens_details.cached_tokens</c>) — or the error the server sent mid-stream.
/// </summary>
public sealed record StreamedChunk(bool CarriesToken, string? FinishReason, int? CompletionTokens, string? Error, int? CachedTokens = null)
{
    public static StreamedChunk Parse(string data)
    {
        using var json = JsonDocument.Parse(data);
        var root = json.RootElement;
        if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            return new(false, null, null, error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.GetString() : error.ToString());

        bool hasUsage = root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object;
        int? completionTokens = hasUsage && usage.TryGetProperty("completion_tokens", out var ct) ? ct.GetInt32() : null;
        int? cachedTokens = hasUsage && usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object &&
                            details.TryGetProperty("cached_tokens", out var cached) && cached.ValueKind == JsonValueKind.Number ? cached.GetInt32() : null;
        bool carries = false;
        string? finish = null;
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
        {
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String) finish = f.GetString();
                var text = Text(choice);
                // A chunk is a token's arrival when it has text, or when it has none only because the detokenizer holds
                // back an incomplete character; a closing chunk that only names the finish reason is not one.
                carries |= text is { Length: > 0 } || (text is not null && finish is null);
            }
        }
        return new(carries, finish, completionTokens, null, cachedTokens);
    }

    private static string? Text(JsonElement choice)
    {
        if (choice.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String) return text.GetString();
        if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object &&
            delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String) return content.GetString();
        return null;
    }
}
