using System.Net;
using System.Net.Sockets;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// A user's mistake on the command line is one <c>dynamo: error:</c> line (and a pointer to the help where it helps),
/// exit code 1, and no log lines or stack traces — found before a model loads whenever it can be.
/// </summary>
public sealed class UserMistakeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-mistakes-" + Guid.NewGuid().ToString("N"));

    private Task<string[]> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    private async Task<string[]> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var (code, stdout, stderr) = await DynamoProcess.RunAsync(_root, environment, args);
        var lines = (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(code == 1, $"exit code {code}:\n{stdout}{stderr}");
        Assert.True(lines.Length is >= 1 and <= 2, $"{lines.Length} lines:\n{string.Join("\n", lines)}");
        Assert.StartsWith("dynamo: error: ", lines[0]);
        if (lines.Length == 2) Assert.Matches("^Run 'dynamo( [a-z]+)? --help' for usage\\.$", lines[1]);
        return lines;
    }

    private static (TcpListener Listener, int Port) Occupy()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return (listener, ((IPEndPoint)listener.LocalEndpoint).Port);
    }

    [Theory]
    [InlineData("--http-port")]
    [InlineData("--silo-port")]
    [InlineData("--gateway-port")]
    [InlineData("--data-plane-port")]
    public async Task A_busy_port_is_named_before_the_model_loads(string option)
    {
        var (listener, port) = Occupy();
        using var _ = listener;
        // A model folder that does not exist would fail later: the port check must come first.
        string[] ports = ["--http-port", "--silo-port", "--gateway-port", "--data-plane-port"];
        var lines = await RunAsync(["serve", "--model", Path.Combine(_root, "not-there"), .. ports.SelectMany(p => new[] { p, p == option ? $"{port}" : "0" })]);
        Assert.Contains($"{option} {port}", lines[0]);
        Assert.Contains("already in use", lines[0]);
        listener.Stop();
    }

    [Theory]
    [InlineData("--cluster-secret")]
    [InlineData("DYNAMO_CLUSTER_SECRET")]
    [InlineData("DYNAMO_Transport__ClusterSecret")]
    public async Task A_cluster_secret_too_short_to_be_a_key_is_refused_before_the_model_loads(string where)
    {
        string[] args = ["serve", "--model", Path.Combine(_root, "not-there"), "--http-port", "0", "--silo-port", "0", "--gateway-port", "0"];
        var lines = where.StartsWith("--", StringComparison.Ordinal)
            ? await RunAsync([.. args, where, "hunter2"])
            : await RunAsync(new Dictionary<string, string> { [where] = "hunter2" }, args);
        Assert.Contains("--cluster-secret has 7 characters: at least 16", lines[0]);
    }

    [Fact]
    public async Task A_missing_model_folder_is_one_line()
    {
        var lines = await RunAsync("serve", "--model", Path.Combine(_root, "nowhere"), "--http-port", "0", "--silo-port", "0", "--gateway-port", "0");
        Assert.Contains("does not exist", lines[0]);
    }

    [Fact]
    public async Task A_corrupt_model_is_one_line_naming_the_file_with_no_orleans_log()
    {
        var model = Path.Combine(_root, "corrupt");
        SyntheticModelFolder.Write(model, SyntheticModelOptions.Tiny);
        var weights = Path.Combine(model, "model.safetensors");
        var bytes = await File.ReadAllBytesAsync(weights);
        await File.WriteAllBytesAsync(weights, bytes[..(bytes.Length / 2)]);
        var (listener, silo) = Occupy();
        listener.Stop(); // a free port, so that the start gets as far as loading the model
        var lines = await RunAsync("serve", "--model", model, "--http-port", "0", "--silo-port", $"{silo}", "--gateway-port", "0");
        Assert.Contains("model.safetensors", lines[0]);
    }

    [Theory]
    [InlineData("bogus-command")]
    [InlineData("serve --bogus-option")]
    [InlineData("serve --silo-port abc")]
    [InlineData("serve --role cook")]
    [InlineData("serve --log-level loud")]
    [InlineData("generate --max-tokens many")]
    public async Task A_command_line_mistake_is_one_line(string commandLine)
    {
        var lines = await RunAsync(commandLine.Split(' '));
        Assert.DoesNotContain("   at ", string.Join("\n", lines));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
