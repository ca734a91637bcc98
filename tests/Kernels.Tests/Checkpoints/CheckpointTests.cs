using System.Text.Json.Nodes;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using TorchSharp;

namespace Dynamo.Orleans.Kernels.Tests.Checkpoints;

/// <summary>Opening model folders: the errors a broken folder produces, and load progress.</summary>
public sealed class CheckpointTests : IDisposable
{
    readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    string Tiny(string name, SyntheticModelOptions? options = null) =>
        SyntheticModelFolderTests.WriteTiny(_scratch.Sub(name), options ?? SyntheticModelOptions.Tiny);

    [Fact]
    public void A_missing_tensor_names_the_file_and_tensor()
    {
        var folder = Tiny("model");
        using var checkpoint = Checkpoint.Open(folder);
        Assert.False(checkpoint.Contains("model.layers.9.mlp.up_proj.weight"));
        var error = Assert.Throws<CheckpointException>(() =>
            checkpoint.Load("model.layers.9.mlp.up_proj.weight", [176, 64], torch.ScalarType.BFloat16, torch.CPU));
        Assert.Equal(Path.Combine(folder, "model.safetensors"), error.File);
        Assert.Contains("model.safetensors", error.Message);
        Assert.Contains("'model.layers.9.mlp.up_proj.weight'", error.Message);
    }

    [Fact]
    public void A_shape_mismatch_names_file_tensor_and_both_shapes()
    {
        var folder = Tiny("model");
        using var checkpoint = Checkpoint.Open(folder);
        var name = LlamaWeightNames.KProj(1);
        var error = Assert.Throws<CheckpointException>(() => checkpoint.Load(name, [64, 64], torch.ScalarType.BFloat16, torch.CPU));
        Assert.Contains("model.safetensors", error.Message);
        Assert.Equal(name, error.Tensor);
        Assert.Contains("expected [64, 64]", error.Message);
        Assert.Contains("found [32, 64]", error.Message);
    }

    [Fact]
    public void A_missing_shard_names_the_shard_and_the_index()
    {
        var folder = Tiny("model", SyntheticModelOptions.Tiny with { Sharded = true });
        var shard = Directory.GetFiles(folder, "model-*-of-*.safetensors").Order().Last();
        File.Delete(shard);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Open(folder).Dispose());
        Assert.Equal(shard, error.File);
        Assert.Contains(Path.GetFileName(shard), error.Message);
        Assert.Contains("model.safetensors.index.json", error.Message);
        Assert.NotNull(error.Tensor);
    }

    [Fact]
    public void A_weight_map_entry_absent_from_its_shard_names_both()
    {
        var folder = Tiny("model", SyntheticModelOptions.Tiny with { Sharded = true });
        var indexPath = Path.Combine(folder, SafetensorsWriter.IndexFileName);
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        var firstShard = index["weight_map"]![LlamaWeightNames.Embedding]!.GetValue<string>();
        index["weight_map"]!["model.extra.weight"] = firstShard;
        File.WriteAllText(indexPath, index.ToJsonString());

        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Open(folder).Dispose());
        Assert.Equal(Path.Combine(folder, firstShard), error.File);
        Assert.Equal("model.extra.weight", error.Tensor);
        Assert.Contains("model.safetensors.index.json", error.Message);
    }

    [Fact]
    public void An_unsupported_architecture_names_config_json()
    {
        var folder = Tiny("model");
        var configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["architectures"] = new JsonArray("GPTNeoXForCausalLM");
        File.WriteAllText(configPath, config.ToJsonString());

        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Open(folder).Dispose());
        Assert.Equal(configPath, error.File);
        Assert.Contains("GPTNeoXForCausalLM", error.Message);
    }

    [Fact]
    public void A_missing_config_json_names_it()
    {
        var folder = Tiny("model");
        File.Delete(Path.Combine(folder, "config.json"));
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Open(folder).Dispose());
        Assert.Equal(Path.Combine(folder, "config.json"), error.File);
        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public void A_folder_without_weights_names_the_expected_file()
    {
        var folder = Tiny("model");
        File.Delete(Path.Combine(folder, "model.safetensors"));
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Open(folder).Dispose());
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void A_corrupt_weight_file_fails_at_open_naming_it()
    {
        var folder = Tiny("model");
        var weights = Path.Combine(folder, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Open(folder).Dispose());
        Assert.Equal(weights, error.File);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Loading_reports_progress_up_to_the_total()
    {
        var folder = Tiny("model");
        var reports = new List<CheckpointLoadProgress>();
        using var checkpoint = Checkpoint.Open(folder);
        checkpoint.Progress = new SynchronousProgress(reports.Add);
        foreach (var weight in LlamaWeightNames.Expected(checkpoint.Config))
            checkpoint.Load(weight, torch.ScalarType.BFloat16, torch.CPU).Dispose();

        Assert.Equal(checkpoint.TotalBytes, checkpoint.BytesLoaded);
        Assert.Equal(checkpoint.TotalBytes, reports[^1].BytesLoaded);
        Assert.All(reports, r => Assert.Equal(checkpoint.TotalBytes, r.TotalBytes));
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.Equal(LlamaWeightNames.LmHead, reports[^1].Tensor);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.BytesLoaded < p.Second.BytesLoaded));
    }

    /// <summary><see cref="Progress{T}"/> posts to the thread pool; a test wants the reports in order, now.</summary>
    sealed class SynchronousProgress(Action<CheckpointLoadProgress> report) : IProgress<CheckpointLoadProgress>
    {
        public void Report(CheckpointLoadProgress value) => report(value);
    }
}
