using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// <c>dynamo serve</c> stopped by SIGTERM (what systemd, Docker and Kubernetes send) while a stream runs: the stream
/// finishes with all its tokens and its usage, a request sent meanwhile is refused, and the process exits 0.
/// </summary>
public sealed class GracefulStopTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-stop-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Sigterm_lets_a_running_stream_finish_refuses_new_requests_and_exits_cleanly()
    {
        // The default model's shapes (context 4096): a 1,200-token stream takes seconds on one thread.
        var model = Path.Combine(_root, "model");
        SyntheticModelFolder.Write(model, DefaultModel.Options);
        int http = ClusterProcesses.FreePort();
        await using var processes = new ClusterProcesses();
        // A drain timeout no loaded machine reaches: the test is about the drain, not about how long 1,200 tokens take.
        var drain = new Dictionary<string, string> { ["DYNAMO_Fabric__DrainTimeout"] = "00:03:00" };
        var server = await processes.StartAsync(_root, drain, "--model", model, "--threads", "1", "--kv-cache-mb", "128", "--http-port", $"{http}",
            "--silo-port", $"{ClusterProcesses.FreePort()}", "--gateway-port", $"{ClusterProcesses.FreePort()}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/v1/"), Timeout = TimeSpan.FromMinutes(2) };

        var request = new HttpRequestMessage(HttpMethod.Post, "completions")
        {
            Content = JsonContent.Create(new
            {
                model = "model", prompt = "Once upon a time", max_tokens = 1200, ignore_eos = true, temperature = 0, stream = true,
                stream_options = new { include_usage = true },
            }),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<string>();
        while (events.Count < 10 && await reader.ReadLineAsync() is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add(line);

        using (var kill = Process.Start("kill", ["-TERM", $"{server.Id}"])) await kill.WaitForExitAsync();
        // A new request while the server drains: refused (its only decode worker is draining), never left hanging.
        using (var refused = await client.PostAsJsonAsync("completions", new { model = "model", prompt = "new", max_tokens = 3 }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter); // a load balancer or client knows when to come back
        }
        // Health says so too, so a balancer stops sending here.
        using (var health = await client.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("draining", await health.Content.ReadAsStringAsync());
        }

        while (await reader.ReadLineAsync() is { } line)
            if (line.StartsWith("data: ", StringComparison.Ordinal)) events.Add(line);
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.Contains("\"completion_tokens\":1200", events[^2]); // the usage chunk: every token arrived
        Assert.DoesNotContain(events, e => e.Contains("\"error\""));
        await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, server.ExitCode);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
