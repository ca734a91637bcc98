using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dynamo.Orleans.Gateway.Protocol;

/// <summary>Reads <c>content</c> as a string or an array of parts (each an object with a <c>type</c>).</summary>
public sealed class MessageContentConverter : JsonConverter<MessageContent>
{
    public override MessageContent? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new MessageContent([new MessageContentPart("text", reader.GetString())]);
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("content must be a string or an array of content parts");
        var parts = new List<MessageContentPart>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("each content part must be an object with a \"type\"");
            string? type = null, text = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString();
                reader.Read();
                if (name == "type" && reader.TokenType == JsonTokenType.String) type = reader.GetString();
                else if (name == "text" && reader.TokenType == JsonTokenType.String) text = reader.GetString();
                else reader.Skip();
            }
            parts.Add(new MessageContentPart(type ?? "", text));
        }
        return new MessageContent(parts);
    }

    public override void Write(Utf8JsonWriter writer, MessageContent value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var part in value.Parts)
        {
            writer.WriteStartObject();
            writer.WriteString("type", part.Type);
            writer.WriteString("text", part.Text);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
