using System.Buffers.Binary;
using System.Text;
using Dynamo.Orleans.Kernels.Checkpoints;

namespace Dynamo.Orleans.Kernels.Tests.Checkpoints;

/// <summary>Every malformed file fails at open with a <see cref="CheckpointException"/> naming the file (and tensor).</summary>
public sealed class SafetensorsValidationTests : IDisposable
{
    readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>Two F32 tensors: "first" [2, 3] then "second" [4].</summary>
    string WriteValid(string name = "valid.safetensors")
    {
        var path = _scratch.File(name);
        SafetensorsWriter.Write(path, [
            SafetensorsTensor.FromValues("first", SafetensorsDtype.F32, [2, 3], new float[] { 1, 2, 3, 4, 5, 6 }),
            SafetensorsTensor.FromValues("second", SafetensorsDtype.F32, [4], new float[] { 7, 8, 9, 10 }),
        ]);
        return path;
    }

    /// <summary>A file with exactly this header text and <paramref name="dataBytes"/> zero bytes of data.</summary>
    string WriteRaw(string header, int dataBytes, string name = "raw.safetensors")
    {
        var path = _scratch.File(name);
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + headerBytes.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static CheckpointException OpenFails(string path, string? tensor = null)
    {
        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Equal(path, error.File);
        Assert.Contains(path, error.Message);
        if (tensor is not null)
        {
            Assert.Equal(tensor, error.Tensor);
            Assert.Contains($"'{tensor}'", error.Message);
        }
        return error;
    }

    [Fact]
    public void A_valid_file_opens()
    {
        using var file = SafetensorsFile.Open(WriteValid());
        Assert.Equal(40, file.TensorBytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(7)]
    public void A_file_cut_inside_the_header_length_is_rejected(int keep)
    {
        var path = WriteValid();
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..keep]);
        Assert.Contains("truncated", OpenFails(path).Message);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(40)]
    public void A_file_cut_inside_the_header_is_rejected(int keep)
    {
        var path = WriteValid();
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..keep]);
        Assert.Contains("exceeds the file size", OpenFails(path).Message);
    }

    [Theory]
    [InlineData(1, "first")]    // one byte into the data: both end past it; the first in the header is reported
    [InlineData(24, "second")]  // exactly after "first"
    [InlineData(39, "second")]  // one byte short
    public void A_file_cut_inside_the_data_is_rejected_naming_the_tensor(int dataBytesKept, string tensor)
    {
        var path = WriteValid();
        var bytes = File.ReadAllBytes(path);
        int dataStart = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        File.WriteAllBytes(path, bytes[..(dataStart + dataBytesKept)]);
        var error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Equal(tensor, error.Tensor);
    }

    [Fact]
    public void A_corrupt_json_header_is_rejected()
    {
        var path = WriteRaw("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]", 4);
        Assert.Contains("not valid JSON", OpenFails(path).Message);
    }

    [Fact]
    public void A_header_that_is_not_an_object_is_rejected()
    {
        Assert.Contains("JSON object", OpenFails(WriteRaw("[1, 2, 3]", 0)).Message);
    }

    [Fact]
    public void A_header_length_larger_than_the_file_is_rejected()
    {
        var path = WriteValid();
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)bytes.Length);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("exceeds the file size", OpenFails(path).Message);

        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("exceeds the file size", OpenFails(path).Message);
    }

    [Fact]
    public void Offsets_that_do_not_match_dtype_times_shape_are_rejected()
    {
        var path = WriteRaw("{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 20]}}", 24);
        var error = OpenFails(path, "w");
        Assert.Contains("needs 24", error.Message);
    }

    [Fact]
    public void Offsets_past_the_data_are_rejected()
    {
        var path = WriteRaw("{\"w\": {\"dtype\": \"BF16\", \"shape\": [4], \"data_offsets\": [8, 16]}}", 12);
        Assert.Contains("past the end", OpenFails(path, "w").Message);
    }

    [Fact]
    public void Overlapping_offsets_are_rejected()
    {
        var path = WriteRaw(
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12);
        Assert.Contains("overlap", OpenFails(path, "b").Message);
    }

    [Fact]
    public void Reversed_or_malformed_offsets_are_rejected()
    {
        OpenFails(WriteRaw("{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}", 8, "reversed.safetensors"), "w");
        OpenFails(WriteRaw("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [\"0\", 4]}}", 4, "strings.safetensors"), "w");
        OpenFails(WriteRaw("{\"w\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4, "negative.safetensors"), "w");
    }

    [Fact]
    public void An_unknown_dtype_is_rejected_at_open()
    {
        var path = WriteRaw("{\"w\": {\"dtype\": \"F12\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4);
        Assert.Contains("unknown dtype 'F12'", OpenFails(path, "w").Message);
    }

    [Fact]
    public void A_known_but_unloadable_dtype_opens_and_fails_clearly_when_read()
    {
        var path = WriteRaw("{\"ids\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [0, 16]}}", 16);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(SafetensorsDtype.I64, file.Tensors["ids"].Dtype);
        var error = Assert.Throws<CheckpointException>(() => file.Read("ids").Dispose());
        Assert.Contains(path, error.Message);
        Assert.Equal("ids", error.Tensor);
        Assert.Contains("I64", error.Message);
    }

    [Fact]
    public void A_header_entry_without_required_fields_is_rejected()
    {
        OpenFails(WriteRaw("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, "nodtype.safetensors"), "w");
        OpenFails(WriteRaw("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4, "noshape.safetensors"), "w");
        OpenFails(WriteRaw("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, "nooffsets.safetensors"), "w");
        OpenFails(WriteRaw("{\"w\": 5}", 0, "notobject.safetensors"), "w");
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var path = _scratch.File("absent.safetensors");
        OpenFails(path);
    }
}
