using System.Text;
using System.Text.Json;

namespace Dynamo.Orleans.Kernels.Tests.Tokenization;

/// <summary>
/// Writes a SentencePiece BPE tokenizer.model (the sentencepiece_model.proto protobuf) holding the pieces of a real
/// Llama-2-style tokenizer.json. No npm package ships a real tokenizer.model, so this is the closest real data for the
/// tokenizer.model path: SentencePiece merges the pair whose joined piece scores highest, so each piece scores minus the
/// rank of the tokenizer.json merge that makes it, which reproduces that file's merge order.
/// </summary>
internal static class SentencePieceModelFile
{
    private const int Normal = 1, Unknown = 2, Control = 3, Byte = 6;

    public static void WriteFromTokenizerJson(string tokenizerJson, string modelFile)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(tokenizerJson));
        var model = document.RootElement.GetProperty("model");
        var pieces = model.GetProperty("vocab").EnumerateObject().OrderBy(p => p.Value.GetInt32()).Select(p => p.Name).ToArray();
        var rankOfPiece = new Dictionary<string, int>();
        var rank = 0;
        foreach (var merge in model.GetProperty("merges").EnumerateArray())
        {
            var pair = merge.ValueKind == JsonValueKind.String ? merge.GetString()!.Split(' ') : [merge[0].GetString()!, merge[1].GetString()!];
            rankOfPiece.TryAdd(pair[0] + pair[1], rank++);
        }

        var proto = new MemoryStream();
        for (var id = 0; id < pieces.Length; id++)
        {
            var piece = pieces[id];
            var type = id == 0 ? Unknown : id <= 2 ? Control : piece.StartsWith("<0x", StringComparison.Ordinal) && piece.Length == 6 ? Byte : Normal;
            var score = type == Normal && rankOfPiece.TryGetValue(piece, out var r) ? -r : -1e9f;
            var message = new MemoryStream();
            WriteString(message, 1, piece);
            WriteTag(message, 2, 5);
            message.Write(BitConverter.GetBytes((float)score));
            WriteVarintField(message, 3, type);
            WriteMessage(proto, 1, message);
        }

        var trainer = new MemoryStream();
        WriteVarintField(trainer, 3, 2); // model_type = BPE
        WriteVarintField(trainer, 4, pieces.Length);
        WriteVarintField(trainer, 35, 1); // byte_fallback
        WriteVarintField(trainer, 40, 0); // unk_id
        WriteVarintField(trainer, 41, 1); // bos_id
        WriteVarintField(trainer, 42, 2); // eos_id
        WriteString(trainer, 45, "<unk>");
        WriteString(trainer, 46, "<s>");
        WriteString(trainer, 47, "</s>");
        WriteMessage(proto, 2, trainer);

        var normalizer = new MemoryStream();
        WriteString(normalizer, 1, "identity");
        WriteVarintField(normalizer, 3, 1); // add_dummy_prefix
        WriteVarintField(normalizer, 4, 0); // remove_extra_whitespaces: Llama keeps whitespace runs
        WriteVarintField(normalizer, 5, 1); // escape_whitespaces
        WriteMessage(proto, 3, normalizer);

        File.WriteAllBytes(modelFile, proto.ToArray());
    }

    private static void WriteVarint(Stream stream, ulong value)
    {
        while (value >= 0x80)
        {
            stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        stream.WriteByte((byte)value);
    }

    private static void WriteTag(Stream stream, int field, int wireType) => WriteVarint(stream, (ulong)((field << 3) | wireType));

    private static void WriteVarintField(Stream stream, int field, int value)
    {
        WriteTag(stream, field, 0);
        WriteVarint(stream, (ulong)value);
    }

    private static void WriteString(Stream stream, int field, string value) => WriteBytes(stream, field, Encoding.UTF8.GetBytes(value));

    private static void WriteMessage(Stream stream, int field, MemoryStream message) => WriteBytes(stream, field, message.ToArray());

    private static void WriteBytes(Stream stream, int field, byte[] bytes)
    {
        WriteTag(stream, field, 2);
        WriteVarint(stream, (ulong)bytes.Length);
        stream.Write(bytes);
    }
}
