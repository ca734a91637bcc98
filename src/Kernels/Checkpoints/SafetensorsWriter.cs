using System.Buffers.Binary;
using System.Text.Json;

namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>
/// Writes safetensors files the way Hugging Face does: header JSON padded with spaces to a multiple of 8 bytes
/// (so data starts aligned), data in header order, and for sharded output <c>model-0000i-of-0000N.safetensors</c>
/// files plus <c>model.safetensors.index.json</c>. Output depends only on the input: same tensors, same bytes.
/// </summary>
public static class SafetensorsWriter
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>The metadata transformers expects from a PyTorch-saved checkpoint.</summary>
    public static readonly IReadOnlyDictionary<string, string> PyTorchMetadata = new Dictionary<string, string> { ["format"] = "pt" };

    public static void Write(string path, IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (t.Name == "__metadata__" || !names.Add(t.Name))
                throw new ArgumentException($"tensor name '{t.Name}' is reserved or appears twice.", nameof(tensors));
            if (t.Shape.Any(d => d < 0))
                throw new ArgumentException($"tensor '{t.Name}' has a negative dimension.", nameof(tensors));
        }

        byte[] header = EncodeHeader(tensors, metadata ?? PyTorchMetadata);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var t in tensors)
        {
            long start = stream.Position;
            t.WriteData(stream);
            long written = stream.Position - start;
            if (written != t.ByteLength)
                throw new InvalidOperationException(
                    $"{path}: tensor '{t.Name}' wrote {written} bytes but dtype {t.Dtype.HeaderName()} × shape {SafetensorsTensorInfo.FormatShape(t.Shape)} needs {t.ByteLength}.");
        }
    }

    /// <summary>
    /// Splits <paramref name="tensors"/>, in order, into shards of at most <paramref name="maxShardBytes"/> of data
    /// (a tensor larger than that gets a shard of its own), writes them into <paramref name="directory"/> with the
    /// index file, and returns the shard file names.
    /// </summary>
    public static IReadOnlyList<string> WriteSharded(string directory, IReadOnlyList<SafetensorsTensor> tensors, long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        var shards = new List<List<SafetensorsTensor>>();
        long current = 0;
        foreach (var t in tensors)
        {
            if (shards.Count == 0 || (current + t.ByteLength > maxShardBytes && current > 0))
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(t);
            current += t.ByteLength;
        }
        if (shards.Count == 0) shards.Add([]);

        Directory.CreateDirectory(directory);
        var fileNames = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            string fileName = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(directory, fileName), shards[i], metadata);
            fileNames.Add(fileName);
            foreach (var t in shards[i]) weightMap[t.Name] = fileName;
        }

        using var index = new FileStream(Path.Combine(directory, IndexFileName), FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(index, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("metadata");
        json.WriteNumber("total_size", tensors.Sum(t => t.ByteLength));
        json.WriteEndObject();
        json.WriteStartObject("weight_map");
        foreach (var (name, file) in weightMap) json.WriteString(name, file);
        json.WriteEndObject();
        json.WriteEndObject();
        return fileNames;
    }

    static byte[] EncodeHeader(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.Dtype.HeaderName());
                json.WriteStartArray("shape");
                foreach (var d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.ByteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.ByteLength;
            }
            json.WriteEndObject();
        }
        int padding = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < padding; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
