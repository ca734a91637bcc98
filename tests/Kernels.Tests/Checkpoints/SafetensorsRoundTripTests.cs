using System.Buffers.Binary;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using TorchSharp;

namespace Dynamo.Orleans.Kernels.Tests.Checkpoints;

public sealed class SafetensorsRoundTripTests : IDisposable
{
    readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    static torch.Tensor Random(long[] shape, torch.ScalarType dtype, int seed)
    {
        var generator = new torch.Generator((ulong)seed);
        using var values = torch.randn(shape, torch.ScalarType.Float32, generator: generator);
        return values.to_type(dtype);
    }

    [Theory]
    [InlineData(torch.ScalarType.BFloat16)]
    [InlineData(torch.ScalarType.Float16)]
    [InlineData(torch.ScalarType.Float32)]
    public void Written_tensors_read_back_with_equal_values(torch.ScalarType dtype)
    {
        using var matrix = Random([6, 5], dtype, 1);
        using var vector = Random([7], dtype, 2);
        using var scalar = Random([], dtype, 3);
        var path = _scratch.File("weights.safetensors");
        SafetensorsWriter.Write(path, [
            SafetensorsTensor.FromTorch("a.matrix", matrix),
            SafetensorsTensor.FromTorch("b.vector", vector),
            SafetensorsTensor.FromTorch("c.scalar", scalar),
        ]);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a.matrix", "b.vector", "c.scalar"], file.Tensors.Keys);
        Assert.Equal("pt", file.Metadata["format"]);
        foreach (var (name, expected) in new[] { ("a.matrix", matrix), ("b.vector", vector), ("c.scalar", scalar) })
        {
            Assert.Equal(SafetensorsDtypes.FromScalarType(dtype), file.Tensors[name].Dtype);
            using var actual = file.Read(name);
            Assert.Equal(dtype, actual.dtype);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.Equals(actual), name);
        }
    }

    [Fact]
    public void Header_is_padded_so_data_starts_on_an_8_byte_boundary()
    {
        var path = _scratch.File("odd.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensor.FromValues("x", SafetensorsDtype.F32, [3], new float[] { 1, 2, 3 })]);
        var bytes = File.ReadAllBytes(path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal(8 + (long)headerLength + 12, bytes.Length);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(new float[] { 1, 2, 3 }, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(file.GetBytes("x")).ToArray());
    }

    [Fact]
    public void Sharded_output_opens_as_one_checkpoint_with_equal_values()
    {
        var folder = SyntheticModelFolderTests.WriteTiny(_scratch.Sub("model"), SyntheticModelOptions.Tiny with { Dtype = SafetensorsDtype.F32 });
        var weights = new Dictionary<string, torch.Tensor>();
        using (var checkpoint = Checkpoint.Open(folder))
        {
            foreach (var w in LlamaWeightNames.Expected(checkpoint.Config))
                weights[w.Name] = checkpoint.Load(w, torch.ScalarType.Float32, torch.CPU);
        }

        var sharded = _scratch.Sub("sharded");
        File.Copy(Path.Combine(folder, "config.json"), Path.Combine(sharded, "config.json"));
        var shards = SafetensorsWriter.WriteSharded(sharded, weights.Select(p => SafetensorsTensor.FromTorch(p.Key, p.Value)).ToList(), maxShardBytes: 1 << 20);
        Assert.True(shards.Count > 2);
        Assert.True(File.Exists(Path.Combine(sharded, SafetensorsWriter.IndexFileName)));

        using var reopened = Checkpoint.Open(sharded);
        Assert.Equal(shards.Count, reopened.Files.Count);
        Assert.Equal(weights.Keys.Order(), reopened.TensorNames.Order());
        foreach (var (name, expected) in weights)
        {
            using var actual = reopened.Load(name, expected.shape, torch.ScalarType.Float32, torch.CPU);
            Assert.True(expected.Equals(actual), name);
            expected.Dispose();
        }
    }

    [Fact]
    public void F16_weights_are_converted_on_load_to_the_compute_dtype()
    {
        using var original = Random([4, 8], torch.ScalarType.Float16, 4);
        var folder = _scratch.Sub("f16");
        SyntheticModelFolder.Write(folder, SyntheticModelOptions.Tiny); // for config.json
        SafetensorsWriter.Write(Path.Combine(folder, SafetensorsWriter.SingleFileName), [SafetensorsTensor.FromTorch("w", original)]);

        using var checkpoint = Checkpoint.Open(folder);
        using var asBf16 = checkpoint.Load("w", [4, 8], torch.ScalarType.BFloat16, torch.CPU);
        using var asF32 = checkpoint.Load("w", [4, 8], torch.ScalarType.Float32, torch.CPU);
        Assert.Equal(torch.ScalarType.BFloat16, asBf16.dtype);
        Assert.Equal(torch.ScalarType.Float32, asF32.dtype);
        using var expectedF32 = original.to_type(torch.ScalarType.Float32);
        using var expectedBf16 = original.to_type(torch.ScalarType.BFloat16);
        Assert.True(expectedF32.Equals(asF32));
        Assert.True(expectedBf16.Equals(asBf16));
    }
}
