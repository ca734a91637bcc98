using System.Text.Json;

namespace Dynamo.Orleans.Kernels.Tokenization;

/// <summary>
/// What a model folder says about its tokenizer outside the tokenizer file: tokenizer_config.json (special tokens,
/// add_bos_token, chat template), chat_template.jinja, and the EOS ids of config.json and generation_config.json.
/// Every file is optional; a present but unreadable one is an error naming it.
/// </summary>
internal sealed record TokenizerSettings
{
    public bool? AddBosToken { get; init; }
    public bool? AddEosToken { get; init; }
    public string? BosToken { get; init; }
    public string? EosToken { get; init; }
    /// <summary>The chat template's Jinja source, uncompiled: rendering it is the chat layer's job.</summary>
    public string? ChatTemplateText { get; init; }
    public IReadOnlyList<AddedToken> AddedTokens { get; init; } = [];
    public IReadOnlyList<string> AdditionalSpecialTokens { get; init; } = [];
    /// <summary>EOS ids from config.json then generation_config.json, in file order, without repeats.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    public static TokenizerSettings Load(string modelDirectory)
    {
        var settings = new TokenizerSettings();
        var configFile = Path.Combine(modelDirectory, "tokenizer_config.json");
        if (File.Exists(configFile))
        {
            using var config = Parse(configFile);
            var root = config.RootElement;
            settings = settings with
            {
                AddBosToken = Bool(root, "add_bos_token"),
                AddEosToken = Bool(root, "add_eos_token"),
                BosToken = TokenText(root, "bos_token"),
                EosToken = TokenText(root, "eos_token"),
                ChatTemplateText = ReadChatTemplate(root, configFile),
                AddedTokens = ReadAddedTokens(root, configFile),
                AdditionalSpecialTokens = root.TryGetProperty("additional_special_tokens", out var extra) && extra.ValueKind == JsonValueKind.Array
                    ? extra.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetProperty("content").GetString()!).ToArray()
                    : [],
            };
        }

        // Newer transformers save the template beside the config; when both exist the file is what transformers uses.
        var templateFile = Path.Combine(modelDirectory, "chat_template.jinja");
        if (File.Exists(templateFile))
            settings = settings with { ChatTemplateText = File.ReadAllText(templateFile) };

        var eosIds = new List<int>();
        foreach (var name in new[] { "config.json", "generation_config.json" })
        {
            var file = Path.Combine(modelDirectory, name);
            if (!File.Exists(file))
                continue;
            using var document = Parse(file);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("eos_token_id", out var eos))
            {
                var ids = eos.ValueKind switch
                {
                    JsonValueKind.Number => [eos.GetInt32()],
                    JsonValueKind.Array => eos.EnumerateArray().Select(e => e.GetInt32()),
                    JsonValueKind.Null => [],
                    _ => throw new TokenizerException(file, $"eos_token_id is {eos.ValueKind}, expected an int or a list of ints."),
                };
                eosIds.AddRange(ids.Where(id => !eosIds.Contains(id)));
            }
        }
        return settings with { EosTokenIds = eosIds };
    }

    private static JsonDocument Parse(string file)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(file));
        }
        catch (JsonException e)
        {
            throw new TokenizerException(file, $"not valid JSON ({e.Message}).", e);
        }
    }

    private static bool? Bool(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    /// <summary>A special token is written as a string or as a serialized AddedToken object {"content": ...}.</summary>
    private static string? TokenText(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) ? null : value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var content) => content.GetString(),
            _ => null,
        };

    /// <summary>A string, or a list of {name, template} of which "default" is the chat template.</summary>
    private static string? ReadChatTemplate(JsonElement root, string file)
    {
        if (!root.TryGetProperty("chat_template", out var template))
            return null;
        return template.ValueKind switch
        {
            JsonValueKind.String => template.GetString(),
            JsonValueKind.Null => null,
            JsonValueKind.Array => template.EnumerateArray()
                .Where(t => t.TryGetProperty("name", out var n) && n.GetString() == "default")
                .Select(t => t.GetProperty("template").GetString())
                .FirstOrDefault(),
            _ => throw new TokenizerException(file, $"chat_template is {template.ValueKind}, expected a string or a list of {{name, template}}."),
        };
    }

    private static IReadOnlyList<AddedToken> ReadAddedTokens(JsonElement root, string file)
    {
        if (!root.TryGetProperty("added_tokens_decoder", out var decoder) || decoder.ValueKind != JsonValueKind.Object)
            return [];
        var tokens = new List<AddedToken>();
        foreach (var entry in decoder.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, out var id))
                throw new TokenizerException(file, $"added_tokens_decoder key '{entry.Name}' is not a token id.");
            var token = entry.Value;
            tokens.Add(new AddedToken(id, token.GetProperty("content").GetString()!,
                Bool(token, "special") ?? false, Bool(token, "lstrip") ?? false, Bool(token, "rstrip") ?? false));
        }
        return tokens;
    }
}
