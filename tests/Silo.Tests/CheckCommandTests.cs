using System.Text.Json;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Dynamo.Orleans.Kernels.Diagnostics;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// <c>dynamo check</c> as scripts/gpu/check.sh runs it on a CUDA host, here on the CPU: every invariant passes, a prefill
/// in a second process is handed over through its shared-memory pool with one engine's ids, and decode speed comes
/// with the bandwidth bound.
/// </summary>
public sealed class CheckCommandTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-check-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Invariants_hold_on_the_cpu_one_line_each_then_a_summary()
    {
        var (code, stdout, stderr) = await DynamoProcess.RunAsync(_root, "check", "invariants", "--device", "cpu");
        Assert.True(code == 0, stdout + stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(DeviceInvariants.Names.Select(n => $"PASS {n}"), lines[..^1].Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]));
        Assert.Equal($"{DeviceInvariants.Names.Count} of {DeviceInvariants.Names.Count} invariants hold on cpu", lines[^1]);
    }

    [Fact]
    public async Task A_prefill_in_a_second_process_is_handed_over_through_its_shared_memory_pool_with_one_engines_ids()
    {
        var (code, stdout, stderr) = await DynamoProcess.RunAsync(_root, "check", "handoff", "--device", "cpu", "--tokens", "12");
        Assert.True(code == 0, stdout + stderr);
        Assert.StartsWith("PASS handoff between two processes on cpu: 12 ids identical to one engine (SharedMemory pool, 2 layer groups of 4 blocks",
                          stdout.Trim());
    }

    [Fact]
    public async Task Decode_speed_comes_with_the_bytes_per_token_and_the_bound_they_allow()
    {
        var model = Path.Combine(_root, "model");
        SyntheticModelFolder.Write(model, SyntheticModelOptions.Tiny with { Seed = 3 });
        var (code, stdout, stderr) = await DynamoProcess.RunAsync(_root, "check", "decode", "--model", model, "--prompt-ids", "1,2,3,4",
                                                                  "--tokens", "6", "--hbm-gbps", "100", "--json");
        Assert.True(code == 0, stderr);
        var json = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(5, json.GetProperty("decoded_tokens").GetInt32());
        Assert.Equal(6, json.GetProperty("ids").GetArrayLength());
        long bytes = json.GetProperty("bytes_per_token").GetInt64();
        Assert.Equal(json.GetProperty("weight_bytes_per_token").GetInt64() + json.GetProperty("kv_bytes_per_token").GetInt64(), bytes);
        Assert.Equal(Math.Round(100e9 / bytes, 1), json.GetProperty("bound_tokens_per_second").GetDouble());
        Assert.True(json.GetProperty("tokens_per_second").GetDouble() > 0);
    }

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
