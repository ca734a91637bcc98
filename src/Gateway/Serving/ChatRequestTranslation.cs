using Dynamo.Orleans.Gateway.Errors;
using Dynamo.Orleans.Gateway.Protocol;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>A chat completion request as the fabric takes it.</summary>
internal static class ChatRequestTranslation
{
    /// <summary>Roles a chat template renders; OpenAI's newer "developer" role is the system role under another name.</summary>
    private static readonly HashSet<string> Roles = ["system", "user", "assistant"];

    public static GenerateRequest ToGenerateRequest(this ChatCompletionRequest r)
    {
        if (r.Messages is not { Count: > 0 } messages) throw ApiError.Invalid("messages must be a non-empty array.", "messages", "missing_required_parameter");
        if (r.Tools is { ValueKind: System.Text.Json.JsonValueKind.Array } tools && tools.GetArrayLength() > 0)
            throw ApiError.Unsupported("tools", "tools (function calling) are not supported by this server.");
        if (r.ResponseFormat is { ValueKind: System.Text.Json.JsonValueKind.Object } format
            && !(format.TryGetProperty("type", out var type) && type.ValueKind == System.Text.Json.JsonValueKind.String && type.GetString() == "text"))
            throw ApiError.Unsupported("response_format", "response_format other than {\"type\": \"text\"} is not supported by this server.");
        if (r.TopLogprobs is not null && r.Logprobs != true)
            throw ApiError.Invalid("top_logprobs requires logprobs to be true.", "top_logprobs");
        if (r.TopLogprobs is < 0 or > 20) throw ApiError.Invalid($"top_logprobs must be between 0 and 20, got {r.TopLogprobs}.", "top_logprobs");

        var turns = new List<ChatTurn>(messages.Count);
        for (int i = 0; i < messages.Count; i++)
        {
            // A JSON null where a message belongs deserializes to null: refuse it by position, like any other bad value.
            var m = messages[i] ?? throw ApiError.Invalid($"messages[{i}] must be an object with a role and content, got null.", $"messages[{i}]");
            var role = m.Role == "developer" ? "system" : m.Role;
            if (role is null || !Roles.Contains(role))
                throw ApiError.Invalid($"messages[{i}].role '{m.Role}' is not supported: use system, user or assistant.", $"messages[{i}].role");
            turns.Add(new ChatTurn(role, Text(m.Content, i)));
        }
        // max_completion_tokens is OpenAI's newer name; it wins when both are sent. With neither, the sequence grain
        // gives the room left in the context window (OpenAI's behaviour).
        var maxTokens = r.MaxCompletionTokens ?? r.MaxTokens;
        return r.TranslateCommonFields(maxTokens) with { Messages = turns, Logprobs = r.Logprobs == true ? r.TopLogprobs ?? 0 : null };
    }

    private static string Text(MessageContent? content, int index)
    {
        if (content is null) return "";
        var text = new System.Text.StringBuilder();
        for (int p = 0; p < content.Parts.Count; p++)
        {
            var part = content.Parts[p] ?? throw ApiError.Invalid($"messages[{index}].content[{p}] must be a content part object, got null.", $"messages[{index}].content[{p}]");
            if (part.Type != "text")
                throw ApiError.Unsupported($"messages[{index}].content[{p}].type", $"content parts of type '{part.Type}' are not supported by this text-only model: send {{\"type\": \"text\", \"text\": ...}} parts.");
            text.Append(part.Text);
        }
        return text.ToString();
    }
}
