using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Dynamo.Orleans.Kernels.Checkpoints;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// <c>dynamo serve</c> with its OpenAI API: beside the silo in the same process, and as a separate
/// <c>--role gateway</c> process that reaches the silo as an Orleans client. Both must answer the same request alike.
/// </summary>
public sealed class ServeHttpTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-serve-http-" + Guid.NewGuid().ToString("N"));
    private readonly List<Process> _processes = [];
    private string _model = "";

    public Task InitializeAsync()
    {
        _model = Path.Combine(_root, "tiny-llama");
        SyntheticModelFolder.Write(_model, SyntheticModelOptions.Tiny with { Seed = 3 });
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Serve_answers_openai_requests_beside_the_silo_and_from_a_gateway_only_process()
    {
        int siloPort = FreePort(), gatewayPort = FreePort(), siloHttp = FreePort(), gatewayHttp = FreePort();
        await StartAsync("serve", "--model", _model, "--dtype", "float32", "--kv-blocks", "64", "--silo-port", $"{siloPort}",
                         "--gateway-port", $"{gatewayPort}", "--http-port", $"{siloHttp}", "--cluster-id", "serve-http-test");
        await StartAsync("serve", "--role", "gateway", "--gateway-ports", $"{gatewayPort}", "--http-port", $"{gatewayHttp}",
                         "--cluster-id", "serve-http-test", "--api-key", "sk-serve");

        using var beside = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{siloHttp}/") };
        using var alone = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gatewayHttp}/") };
        alone.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk-serve");
        Assert.Equal(HttpStatusCode.OK, (await beside.GetAsync("health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alone.GetAsync("health")).StatusCode);

        var request = new { model = "tiny-llama", prompt = "Hello there", max_tokens = 5, temperature = 0 };
        var texts = new List<string>();
        foreach (var http in new[] { beside, alone })
        {
            using var response = await http.PostAsJsonAsync("v1/completions", request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            texts.Add(json.RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!);
        }
        Assert.Equal(texts[0], texts[1]);
        using var anonymous = new HttpClient { BaseAddress = alone.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("v1/completions", request)).StatusCode);
    }

    /// <summary>Starts a <c>dynamo</c> process and waits for its "ready" line.</summary>
    private async Task StartAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(DynamoProcess.Executable);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DYNAMO_CACHE"] = _root;
        var process = Process.Start(info)!;
        _processes.Add(process);
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var before = new List<string>();
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("dynamo serve: ready", StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(); // keep draining so the child never blocks on a full pipe
                // At the default log level a start is one line: none of Orleans' start-up notes and warnings.
                Assert.True(before.Count == 0, "printed before the ready line:\n" + string.Join("\n", before));
                return;
            }
            before.Add(line);
        }
        Assert.Fail($"dynamo {string.Join(' ', args)} exited before it was ready: {await stderr}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        // The gateway-only process first, then the silo it is a client of.
        foreach (var process in Enumerable.Reverse(_processes))
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
