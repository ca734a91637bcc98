using System.Text.Json;
using TorchSharp;

namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>
/// A Hugging Face model folder opened for loading: config.json plus either model.safetensors or the shards named by
/// model.safetensors.index.json, all memory-mapped and validated at <see cref="Open"/>. Loads copy straight from the
/// mapping into tensor storage, convert to the compute dtype and move to the device.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    readonly IReadOnlyList<SafetensorsFile> _files;
    readonly Dictionary<string, SafetensorsFile> _fileOf;
    /// <summary>The file to blame for a missing tensor: model.safetensors, or the index that should have listed it.</summary>
    readonly string _catalogPath;
    long _bytesLoaded;

    Checkpoint(string directory, ModelConfig config, IReadOnlyList<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileOf, string catalogPath)
    {
        Directory = directory;
        Config = config;
        _files = files;
        _fileOf = fileOf;
        _catalogPath = catalogPath;
        TotalBytes = fileOf.Sum(p => p.Value.Tensors[p.Key].ByteLength);
    }

    public string Directory { get; }
    public ModelConfig Config { get; }
    public IReadOnlyCollection<string> TensorNames => _fileOf.Keys;
    /// <summary>The .safetensors files, full paths.</summary>
    public IReadOnlyList<string> Files => _files.Select(f => f.Path).ToList();
    /// <summary>Stored bytes of all tensors the checkpoint lists.</summary>
    public long TotalBytes { get; }
    /// <summary>Stored bytes copied by <see cref="Load"/> so far.</summary>
    public long BytesLoaded => Interlocked.Read(ref _bytesLoaded);
    /// <summary>Hears every copied chunk of every load; set it before loading to render progress.</summary>
    public IProgress<CheckpointLoadProgress>? Progress { get; set; }

    public static Checkpoint Open(string modelDirectory, IProgress<CheckpointLoadProgress>? progress = null)
    {
        var directory = Path.GetFullPath(modelDirectory);
        if (!System.IO.Directory.Exists(directory))
            throw new CheckpointException(directory, null, "model folder does not exist.");
        var config = ModelConfig.Load(directory);

        string single = Path.Combine(directory, SafetensorsWriter.SingleFileName);
        string index = Path.Combine(directory, SafetensorsWriter.IndexFileName);
        var files = new List<SafetensorsFile>();
        try
        {
            var fileOf = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            string catalog;
            if (File.Exists(index))
            {
                catalog = index;
                OpenShards(index, directory, files, fileOf);
            }
            else if (File.Exists(single))
            {
                catalog = single;
                var file = SafetensorsFile.Open(single);
                files.Add(file);
                foreach (var name in file.Tensors.Keys) fileOf[name] = file;
            }
            else
            {
                string hint = File.Exists(Path.Combine(directory, "pytorch_model.bin"))
                    ? " It has pytorch_model.bin: pickled PyTorch checkpoints are not supported; convert to safetensors."
                    : "";
                throw new CheckpointException(single, null, $"neither {SafetensorsWriter.SingleFileName} nor {SafetensorsWriter.IndexFileName} exists in the model folder.{hint}");
            }
            return new Checkpoint(directory, config, files, fileOf, catalog) { Progress = progress };
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    static void OpenShards(string indexPath, string directory, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileOf)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        }
        catch (JsonException e)
        {
            throw new CheckpointException(indexPath, null, $"index is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty("weight_map", out var weightMap) || weightMap.ValueKind != JsonValueKind.Object)
                throw new CheckpointException(indexPath, null, "index lacks a 'weight_map' object.");

            var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            foreach (var entry in weightMap.EnumerateObject())
            {
                string? shardName = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;
                if (string.IsNullOrEmpty(shardName) || Path.IsPathRooted(shardName) || shardName.Contains(".."))
                    throw new CheckpointException(indexPath, entry.Name, $"weight_map names an invalid shard file {entry.Value.GetRawText()}.");
                if (!shards.TryGetValue(shardName, out var shard))
                {
                    string shardPath = Path.Combine(directory, shardName);
                    if (!File.Exists(shardPath))
                        throw new CheckpointException(shardPath, entry.Name, $"shard file is missing (named by {indexPath}).");
                    shard = SafetensorsFile.Open(shardPath);
                    shards[shardName] = shard;
                    files.Add(shard);
                }
                if (!shard.Contains(entry.Name))
                    throw new CheckpointException(shard.Path, entry.Name, $"is listed in {indexPath} for this shard but the shard does not contain it.");
                fileOf[entry.Name] = shard;
            }
        }
    }

    public bool Contains(string name) => _fileOf.ContainsKey(name);

    /// <summary>Stored dtype, shape and location of one tensor.</summary>
    public SafetensorsTensorInfo Describe(string name) =>
        _fileOf.TryGetValue(name, out var file) ? file.Tensors[name] : throw MissingTensor(name);

    /// <summary>The .safetensors file holding <paramref name="name"/>.</summary>
    public string FileOf(string name) => _fileOf.TryGetValue(name, out var file) ? file.Path : throw MissingTensor(name);

    public torch.Tensor Load(ExpectedWeight weight, torch.ScalarType dtype, torch.Device device) =>
        Load(weight.Name, weight.Shape, dtype, device);

    /// <summary>
    /// One tensor as <paramref name="dtype"/> (BF16, F16 or F32) on <paramref name="device"/>, after checking its stored
    /// shape is <paramref name="expectedShape"/>. F16 weights are converted here, so CPU compute never sees F16.
    /// </summary>
    public torch.Tensor Load(string name, long[] expectedShape, torch.ScalarType dtype, torch.Device device)
    {
        if (dtype is not (torch.ScalarType.BFloat16 or torch.ScalarType.Float16 or torch.ScalarType.Float32))
            throw new ArgumentException($"compute dtype {dtype} is not supported: use BFloat16, Float16 or Float32.", nameof(dtype));
        if (!_fileOf.TryGetValue(name, out var file)) throw MissingTensor(name);

        var info = file.Tensors[name];
        if (!info.Shape.SequenceEqual(expectedShape))
            throw new CheckpointException(file.Path, name,
                $"shape mismatch: expected {SafetensorsTensorInfo.FormatShape(expectedShape)}, found {SafetensorsTensorInfo.FormatShape(info.Shape)} (check config.json against the weights).");

        var host = file.Read(name, bytes =>
        {
            long loaded = Interlocked.Add(ref _bytesLoaded, bytes);
            Progress?.Report(new CheckpointLoadProgress(loaded, TotalBytes, name));
        });
        var current = host;
        try
        {
            // On an accelerator, move the stored (smaller or equal) bytes first and convert there.
            if (device.type != DeviceType.CPU) current = Replace(current, current.to(device));
            return Replace(current, current.to_type(dtype));
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    /// <summary>TorchSharp may hand back the same object when nothing changes; only a distinct predecessor is freed.</summary>
    static torch.Tensor Replace(torch.Tensor previous, torch.Tensor next)
    {
        if (!ReferenceEquals(previous, next)) previous.Dispose();
        return next;
    }

    CheckpointException MissingTensor(string name) =>
        new(_catalogPath, name, $"is not in the checkpoint ({_fileOf.Count} tensors in {Directory}).");

    public void Dispose()
    {
        foreach (var file in _files) file.Dispose();
    }
}
