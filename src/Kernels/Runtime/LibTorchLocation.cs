using System.Runtime.InteropServices;

namespace Dynamo.Orleans.Kernels.Runtime;

/// <summary>
/// Where libtorch comes from. By default TorchSharp loads the packaged CPU build from beside the application. Given a
/// folder (<c>--libtorch DIR</c> or <see cref="EnvironmentVariable"/>), its libraries are loaded first, by full path:
/// TorchSharp's native shim then links against them, because the dynamic linker resolves a needed library by its
/// soname to one already loaded. That is how a CUDA machine's PyTorch (<c>site-packages/torch/lib</c>, with
/// libtorch_cuda) serves a build that ships no libtorch of its own. It must happen before the first torch call.
/// </summary>
public static class LibTorchLocation
{
    public const string EnvironmentVariable = "DYNAMO_LIBTORCH";

    // Dependency order: each library's own needs are loaded before it.
    private static readonly string[] LoadOrder = ["libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so"];
    private static readonly string[] Required = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
    private static readonly Lock Gate = new();

    private static bool Packaged() =>
        File.Exists(Path.Combine(AppContext.BaseDirectory, "libtorch.so"))
        || File.Exists(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libtorch.so"));

    /// <summary>The folder libtorch was loaded from, or null for the packaged build.</summary>
    public static string? Directory { get; private set; }

    /// <summary>Loads libtorch from <paramref name="directory"/>, or from <see cref="EnvironmentVariable"/> when null; nothing when neither is set.</summary>
    public static void Use(string? directory)
    {
        directory ??= Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(directory))
        {
            // A bundle built for a machine with its own libtorch has none beside it: say what to do, in one line.
            if (OperatingSystem.IsLinux() && !Packaged())
                throw new InvalidOperationException($"this build ships no libtorch: give --libtorch DIR or {EnvironmentVariable}=DIR (the folder that holds libtorch.so, e.g. PyTorch's torch/lib)");
            return;
        }
        directory = Path.GetFullPath(directory);
        lock (Gate)
        {
            if (Directory is { } loaded)
            {
                if (loaded != directory) throw new InvalidOperationException($"libtorch is already loaded from {loaded}; a process holds one libtorch, not also {directory}");
                return;
            }
            if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("--libtorch is supported on Linux only");
            if (!System.IO.Directory.Exists(directory)) throw new ArgumentException($"--libtorch {directory}: no such folder");
            var missing = Required.Where(f => !File.Exists(Path.Combine(directory, f))).ToList();
            if (missing.Count > 0)
                throw new ArgumentException($"--libtorch {directory}: {string.Join(", ", missing)} not found there; give the folder that holds libtorch.so " +
                                            "(PyTorch: .../site-packages/torch/lib)");
            foreach (var library in LoadOrder)
            {
                var path = Path.Combine(directory, library);
                if (!File.Exists(path)) continue;
                try
                {
                    NativeLibrary.Load(path);
                }
                catch (DllNotFoundException e)
                {
                    throw new ArgumentException($"--libtorch {directory}: {library} does not load: {e.Message}", e);
                }
            }
            Directory = directory;
        }
    }
}
