using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>Reads <see cref="CompletionPrompt"/> from a string, string[], int[] or int[][].</summary>
public sealed class CompletionPromptConverter : JsonConverter<CompletionPrompt>
{
    private const string Expected = "prompt must be a string, an array of strings, an array of token ids or an array of token-id arrays";

    public override CompletionPrompt? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new CompletionPrompt([reader.GetString()!], null);
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException(Expected);
        var texts = new List<string>();
        var ids = new List<int>();
        var batches = new List<IReadOnlyList<int>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String: texts.Add(reader.GetString()!); break;
                case JsonTokenType.Number: ids.Add(ReadTokenId(ref reader)); break;
                case JsonTokenType.StartArray:
                    var inner = new List<int>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType != JsonTokenType.Number) throw new JsonException(Expected);
                        inner.Add(ReadTokenId(ref reader));
                    }
                    batches.Add(inner);
                    break;
                default: throw new JsonException(Expected);
            }
        }
        int kinds = (texts.Count > 0 ? 1 : 0) + (ids.Count > 0 ? 1 : 0) + (batches.Count > 0 ? 1 : 0);
        if (kinds > 1) throw new JsonException(Expected + ", not a mix of them");
        if (texts.Count > 0) return new CompletionPrompt(texts, null);
        if (ids.Count > 0) return new CompletionPrompt(null, [ids]);
        return new CompletionPrompt(null, batches);
    }

    private static int ReadTokenId(ref Utf8JsonReader reader) =>
        reader.TryGetInt32(out var id) ? id : throw new JsonException("token ids must be integers");

    public override void Write(Utf8JsonWriter writer, CompletionPrompt value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var text in value.Texts ?? []) writer.WriteStringValue(text);
        foreach (var batch in value.TokenIds ?? [])
        {
            writer.WriteStartArray();
            foreach (var id in batch) writer.WriteNumberValue(id);
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
    }
}
