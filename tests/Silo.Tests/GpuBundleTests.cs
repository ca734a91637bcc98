using System.Diagnostics;
using System.Text.Json;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// The bundle for machines with their own libtorch (scripts/gpu/bundle.sh): self-contained, no packaged libtorch, within
/// 60 MiB packed, and it runs with no SDK on the PATH and an empty environment, loading libtorch from
/// <c>DYNAMO_LIBTORCH</c> — here the packaged CPU build's folder — to the same token ids as the normal build.
/// </summary>
public sealed class GpuBundleTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-bundle-" + Guid.NewGuid().ToString("N"));
    private static string PackagedLibTorch => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    [Fact]
    public async Task The_bundle_runs_without_the_SDK_on_a_given_libtorch_and_generates_the_normal_builds_ids()
    {
        var bundle = Path.Combine(_root, "bundle");
        var (built, buildLog) = await RunAsync("bash", [Path.Combine(RepositoryRoot(), "scripts", "gpu", "bundle.sh"), bundle], inherit: true);
        Assert.True(built == 0, buildLog);
        Assert.False(File.Exists(Path.Combine(bundle, "libtorch.so")), "the bundle carries the packaged libtorch");
        Assert.True(File.Exists(Path.Combine(bundle, "check.sh")));
        Assert.True(File.Exists(Path.Combine(bundle, "eager_decode.py")), "check.sh runs the PyTorch eager baseline from beside itself");
        long packed = new FileInfo(bundle + ".tar.gz").Length;
        Assert.True(packed <= 60L * 1024 * 1024, $"the packed bundle is {packed / (1024.0 * 1024):F1} MiB");

        var model = Path.Combine(_root, "model");
        SyntheticModelFolder.Write(model, SyntheticModelOptions.Tiny with { Seed = 59 });
        string[] generate = ["generate", "--model", model, "--device", "cpu", "--dtype", "float32", "--prompt-ids", "1,2,3,4,5,6,7,8",
                             "--max-tokens", "16", "--temperature", "0", "--ignore-eos", "--json"];
        var normal = await DynamoProcess.RunAsync(_root, generate);
        Assert.True(normal.ExitCode == 0, normal.Stderr);

        var bare = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin", ["HOME"] = _root, ["DYNAMO_LIBTORCH"] = PackagedLibTorch };
        var (exit, output) = await RunAsync(Path.Combine(bundle, "dynamo"), generate, inherit: false, bare);
        Assert.True(exit == 0, output);
        Assert.Equal(Ids(normal.Stdout), Ids(output));

        // Without a libtorch to load, one line says what to do.
        bare.Remove("DYNAMO_LIBTORCH");
        var (refused, message) = await RunAsync(Path.Combine(bundle, "dynamo"), generate, inherit: false, bare);
        Assert.Equal(1, refused);
        Assert.StartsWith("dynamo: error: this build ships no libtorch: give --libtorch DIR", message.Trim());
    }

    [Fact]
    public async Task Libtorch_from_a_folder_gives_the_same_ids_and_a_folder_without_it_is_one_line_of_error()
    {
        var model = Path.Combine(_root, "model");
        SyntheticModelFolder.Write(model, SyntheticModelOptions.Tiny with { Seed = 61 });
        string[] generate = ["generate", "--model", model, "--dtype", "float32", "--prompt-ids", "5,6,7", "--max-tokens", "8", "--temperature", "0", "--ignore-eos", "--json"];
        var packaged = await DynamoProcess.RunAsync(_root, generate);
        var given = await DynamoProcess.RunAsync(_root, [.. generate, "--libtorch", PackagedLibTorch]);
        Assert.True(given.ExitCode == 0, given.Stderr);
        Assert.Equal(Ids(packaged.Stdout), Ids(given.Stdout));

        var wrong = await DynamoProcess.RunAsync(_root, [.. generate, "--libtorch", _root]);
        Assert.Equal(1, wrong.ExitCode);
        Assert.Equal($"dynamo: error: --libtorch {_root}: libc10.so, libtorch_cpu.so, libtorch.so not found there; give the folder that holds libtorch.so " +
                     "(PyTorch: .../site-packages/torch/lib)", wrong.Stderr.Trim());
    }

    private static int[] Ids(string json) =>
        JsonDocument.Parse(json).RootElement.GetProperty("token_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Dynamo.Orleans.sln"))) return dir.FullName;
        throw new InvalidOperationException("not inside the repository");
    }

    /// <summary>Runs a process to its end; <paramref name="inherit"/> false starts it with only <paramref name="environment"/>.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, bool inherit, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (!inherit) info.Environment.Clear();
        else
            foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
                info.Environment.Remove(name); // the test host's MSBuild settings would steer the bundle's publish
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
