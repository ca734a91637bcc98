using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text.Json;
using TorchSharp;

namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>
/// One memory-mapped .safetensors file: an 8-byte little-endian header length, a JSON header
/// (name → {dtype, shape, data_offsets}, optional <c>__metadata__</c>), then raw row-major data.
/// Everything in the header is validated when the file is opened, so a bad file fails at startup with the file
/// and tensor named, never halfway through a load with a native error.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    /// <summary>The safetensors reference implementation refuses headers above 100 MB; so do we, before allocating.</summary>
    const long MaxHeaderBytes = 100_000_000;

    /// <summary>Copies into a tensor are split so that one <see cref="Span{T}"/> never exceeds 2 GiB and progress moves.</summary>
    const long CopyChunkBytes = 64L << 20;

    readonly MemoryMappedFile? _map;
    readonly MemoryMappedViewAccessor? _view;
    byte* _base;

    SafetensorsFile(string path, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* basePointer,
        IReadOnlyDictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Length = length;
        _map = map;
        _view = view;
        _base = basePointer;
        Tensors = tensors;
        Metadata = metadata;
    }

    public string Path { get; }
    public long Length { get; }
    /// <summary>The tensors in header order.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Sum of the tensors' data bytes.</summary>
    public long TensorBytes => Tensors.Values.Sum(t => t.ByteLength);

    public static SafetensorsFile Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
            throw new CheckpointException(path, null, "file does not exist.");

        long length = new FileInfo(path).Length;
        if (length < 8)
            throw new CheckpointException(path, null, $"file is truncated: {length} bytes, shorter than the 8-byte header length.");

        // The header is read with ordinary I/O: it is small, and mapping comes only once the header is known good.
        byte[] header;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > (ulong)(length - 8))
                throw new CheckpointException(path, null,
                    $"header length {headerLength} exceeds the file size ({length} bytes): the file is truncated or not a safetensors file.");
            if (headerLength > MaxHeaderBytes)
                throw new CheckpointException(path, null, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit.");
            header = new byte[headerLength];
            stream.ReadExactly(header);
        }

        long dataStart = 8 + header.Length;
        var (tensors, metadata) = ParseHeader(path, header, dataStart, length - dataStart);

        if (length == dataStart)
            return new SafetensorsFile(path, length, null, null, null, tensors, metadata);

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* pointer = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            return new SafetensorsFile(path, length, map, view, pointer + view.PointerOffset, tensors, metadata);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    static (IReadOnlyDictionary<string, SafetensorsTensorInfo>, IReadOnlyDictionary<string, string>) ParseHeader(
        string path, byte[] header, long dataStart, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, null, $"header is not valid JSON: {e.Message}");
        }
        catch (ArgumentException e)
        {
            // Invalid UTF-8 surfaces as an ArgumentException from the parser.
            throw new CheckpointException(path, null, $"header is not valid UTF-8 JSON: {e.Message}");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(path, null, $"header must be a JSON object, found {doc.RootElement.ValueKind}.");

            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object)
                        throw new CheckpointException(path, null, "__metadata__ must be an object of strings.");
                    foreach (var entry in property.Value.EnumerateObject())
                    {
                        if (entry.Value.ValueKind != JsonValueKind.String)
                            throw new CheckpointException(path, null, $"__metadata__ entry '{entry.Name}' must be a string.");
                        metadata[entry.Name] = entry.Value.GetString()!;
                    }
                    continue;
                }
                var info = ParseEntry(path, property.Name, property.Value, dataStart, dataLength);
                if (!tensors.TryAdd(info.Name, info))
                    throw new CheckpointException(path, info.Name, "appears twice in the header.");
            }

            // Tensors may not share bytes: an overlap means a corrupt or hostile header.
            SafetensorsTensorInfo? previous = null;
            foreach (var info in tensors.Values.Where(t => t.ByteLength > 0).OrderBy(t => t.FileOffset))
            {
                if (previous is not null && info.FileOffset < previous.FileOffset + previous.ByteLength)
                    throw new CheckpointException(path, info.Name,
                        $"data_offsets overlap those of '{previous.Name}' (starts at {info.FileOffset - dataStart}, '{previous.Name}' ends at {previous.FileOffset + previous.ByteLength - dataStart}).");
                previous = info;
            }
            return (tensors, metadata);
        }
    }

    static SafetensorsTensorInfo ParseEntry(string path, string name, JsonElement entry, long dataStart, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object)
            throw new CheckpointException(path, name, "header entry must be an object with dtype, shape and data_offsets.");

        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CheckpointException(path, name, "header entry lacks a string 'dtype'.");
        string dtypeName = dtypeElement.GetString()!;
        if (!SafetensorsDtypes.TryParse(dtypeName, out var dtype))
            throw new CheckpointException(path, name, $"unknown dtype '{dtypeName}'.");

        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new CheckpointException(path, name, "header entry lacks a 'shape' array.");
        var shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        long elements = 1;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
                throw new CheckpointException(path, name, $"shape {dim.GetRawText()} at index {i} is not a non-negative integer.");
            shape[i++] = size;
            try { elements = checked(elements * size); }
            catch (OverflowException) { throw new CheckpointException(path, name, "shape's element count overflows."); }
        }

        if (!entry.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end))
            throw new CheckpointException(path, name, "header entry lacks 'data_offsets' [begin, end].");
        if (begin < 0 || end < begin)
            throw new CheckpointException(path, name, $"data_offsets [{begin}, {end}] are not an ordered, non-negative range.");

        long expectedBytes;
        try { expectedBytes = checked(elements * dtype.ElementSize()); }
        catch (OverflowException) { throw new CheckpointException(path, name, "shape's byte count overflows."); }
        if (end - begin != expectedBytes)
            throw new CheckpointException(path, name,
                $"data_offsets [{begin}, {end}] span {end - begin} bytes but dtype {dtypeName} × shape {SafetensorsTensorInfo.FormatShape(shape)} needs {expectedBytes}.");
        if (end > dataLength)
            throw new CheckpointException(path, name,
                $"data_offsets [{begin}, {end}] run past the end of the data ({dataLength} bytes): the file is truncated.");

        return new SafetensorsTensorInfo(name, dtype, shape, dataStart + begin, end - begin);
    }

    public bool Contains(string name) => Tensors.ContainsKey(name);

    public SafetensorsTensorInfo Describe(string name) =>
        Tensors.TryGetValue(name, out var info) ? info : throw new CheckpointException(Path, name, "is not in this file.");

    /// <summary>The stored bytes of one tensor, read in place from the mapping (up to 2 GiB; larger ones go through <see cref="Read"/>).</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = Describe(name);
        if (info.ByteLength > int.MaxValue)
            throw new CheckpointException(Path, name, $"is {info.ByteLength} bytes, too large for one span; use Read.");
        ObjectDisposedException.ThrowIf(_base is null && _view is not null, this);
        return info.ByteLength == 0 ? [] : new ReadOnlySpan<byte>(_base + info.FileOffset, (int)info.ByteLength);
    }

    /// <summary>
    /// A CPU tensor holding the stored values in the stored dtype. The bytes go from the mapping straight into the
    /// tensor's storage, with no managed copy between. <paramref name="onChunk"/> hears each copied chunk's byte count.
    /// </summary>
    public torch.Tensor Read(string name, Action<long>? onChunk = null)
    {
        var info = Describe(name);
        var scalarType = info.Dtype.ToScalarType()
            ?? throw new CheckpointException(Path, name, $"dtype {info.Dtype.HeaderName()} cannot be loaded: only BF16, F16 and F32 are supported.");
        if (_view is not null && _base is null)
            throw new ObjectDisposedException(nameof(SafetensorsFile), $"{Path} is closed.");

        var tensor = torch.empty(info.Shape, scalarType, torch.CPU);
        try
        {
            if (info.ByteLength == 0) return tensor;
            using var flat = tensor.view(-1);
            long elementSize = info.Dtype.ElementSize();
            long chunkElements = CopyChunkBytes / elementSize;
            for (long first = 0; first < info.ElementCount; first += chunkElements)
            {
                long count = Math.Min(chunkElements, info.ElementCount - first);
                int bytes = (int)(count * elementSize);
                using var part = flat.narrow(0, first, count);
                new ReadOnlySpan<byte>(_base + info.FileOffset + first * elementSize, bytes).CopyTo(part.bytes);
                onChunk?.Invoke(bytes);
            }
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_view is not null && _base is not null)
        {
            _base = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map!.Dispose();
        }
    }
}
