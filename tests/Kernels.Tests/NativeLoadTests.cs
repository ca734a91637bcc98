using Dynamo.Orleans.Kernels.Runtime;
using TorchSharp;

namespace Dynamo.Orleans.Kernels.Tests;

public sealed class NativeLoadTests
{
    [Fact]
    public void LibTorchSharp_loads_from_the_build_output_and_computes()
    {
        using var a = torch.ones(2, 3);
        using var b = torch.ones(3, 4);
        using var c = torch.matmul(a, b);
        Assert.Equal(3f, c[0, 0].item<float>());
    }

    [Fact]
    public void Asking_for_cuda_without_it_is_one_clear_error()
    {
        if (torch.cuda.is_available()) return; // a CUDA machine: covered by docs/GPU.md's run
        var error = Assert.Throws<InvalidOperationException>(() => TorchDevice.Resolve("cuda:0"));
        Assert.Contains("CUDA is not available", error.Message);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    public void An_invalid_device_name_is_rejected(string name)
    {
        Assert.Throws<ArgumentException>(() => TorchDevice.Resolve(name));
    }
}
