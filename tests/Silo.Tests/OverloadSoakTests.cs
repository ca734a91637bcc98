using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// The real server driven at twice what it admits, for <c>DYNAMO_SOAK_SECONDS</c> (30 by default: the CI form; the long
/// form is <c>bench/soak.sh</c>): streaming and whole requests, clients that hang up mid-stream. Every answer is 200, 429
/// or 503 (the refusals with Retry-After), /health keeps answering fast, memory levels off, and every KV block comes back.
/// </summary>
[Collection(nameof(OverloadSoak))]
public sealed class OverloadSoakTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-soak-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Twice_the_admission_capacity_gets_only_200_429_503_and_leaves_nothing_behind()
    {
        double seconds = double.TryParse(Environment.GetEnvironmentVariable("DYNAMO_SOAK_SECONDS"), CultureInfo.InvariantCulture, out var s) ? s : 30;
        const int Running = 4, Queued = 4, Clients = 2 * (Running + Queued);
        var model = Path.Combine(_root, "model");
        SyntheticModelFolder.Write(model, SyntheticModelOptions.Tiny with { Seed = 13 });
        int http = ClusterProcesses.FreePort();
        await using var processes = new ClusterProcesses();
        var admission = new Dictionary<string, string>
        {
            ["DYNAMO_Gateway__MaxConcurrentRequests"] = $"{Running}", ["DYNAMO_Gateway__MaxQueuedRequests"] = $"{Queued}",
            ["DYNAMO_Gateway__QueueTimeout"] = "00:00:05",
        };
        var server = await processes.StartAsync(_root, admission, "--model", model, "--kv-blocks", "512", "--http-port", $"{http}",
            "--silo-port", $"{ClusterProcesses.FreePort()}", "--gateway-port", $"{ClusterProcesses.FreePort()}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromSeconds(60) };
        var baseline = await UsedBlocksAsync(client);

        var statuses = new Dictionary<int, int>();
        var problems = new List<string>();
        var healthTimes = new List<double>();
        var rss = new List<(double At, long Bytes)>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));

        async Task ClientLoop(int id)
        {
            var random = new Random(id);
            while (!stop.IsCancellationRequested)
            {
                bool stream = random.Next(2) == 0, hangUp = random.Next(5) == 0;
                var body = new
                {
                    model = "model", prompt = string.Join(' ', Enumerable.Range(0, random.Next(5, 60)).Select(i => $"w{(i * 7 + id) % 50}")),
                    max_tokens = random.Next(4, 48), temperature = 0.7, stream,
                };
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = JsonContent.Create(body) };
                using var hangUpAfter = new CancellationTokenSource(hangUp ? TimeSpan.FromMilliseconds(random.Next(20, 400)) : Timeout.InfiniteTimeSpan);
                try
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, hangUpAfter.Token);
                    int status = (int)response.StatusCode;
                    lock (statuses) statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    if (status is not (200 or 429 or 503))
                    {
                        var error = await response.Content.ReadAsStringAsync();
                        lock (problems) problems.Add($"status {status}: {error}");
                    }
                    else if (status != 200 && response.Headers.RetryAfter is null)
                        lock (problems) problems.Add($"status {status} without Retry-After");
                    var text = await response.Content.ReadAsStringAsync(hangUpAfter.Token);
                    // A stream that fails after it started ends with an error event (the generated text may say "error").
                    if (status == 200 && text.Split('\n').FirstOrDefault(l => l.StartsWith("data: {\"error\"", StringComparison.Ordinal)) is { } errorLine)
                        lock (problems) problems.Add($"an error inside a 200: {errorLine}");
                    if (status == 429) await Task.Delay(random.Next(10, 100));
                }
                catch (OperationCanceledException) when (hangUpAfter.IsCancellationRequested)
                {
                    // This client hung up, as clients do.
                }
            }
        }

        async Task Watch()
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                using (var health = await client.GetAsync("health")) { }
                lock (healthTimes) healthTimes.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
                rss.Add((clock.Elapsed.TotalSeconds, ResidentBytes(server.Id)));
                await Task.Delay(100);
            }
        }

        await Task.WhenAll([.. Enumerable.Range(0, Clients).Select(ClientLoop), Watch()]);

        healthTimes.Sort();
        double third = rss[^1].At / 3;
        double first = rss.Where(r => r.At <= third).Average(r => (double)r.Bytes), last = rss.Where(r => r.At >= 2 * third).Average(r => (double)r.Bytes);
        double p50 = healthTimes[healthTimes.Count / 2], p99 = healthTimes[(int)Math.Ceiling(0.99 * healthTimes.Count) - 1];
        var summary = $"| {seconds:F0} s | {Clients} clients for {Running} running + {Queued} queued | " +
                      string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")) +
                      $" | /health p50 {p50 * 1000:F1} ms, p99 {p99 * 1000:F1} ms ({healthTimes.Count} probes) | RSS {first / 1e6:F0} → {last / 1e6:F0} MB ({100 * (last / first - 1):+0.0;-0.0} %) |";
        Console.WriteLine("soak: " + summary);
        if (Environment.GetEnvironmentVariable("DYNAMO_SOAK_RESULTS") is { Length: > 0 } results) await File.WriteAllTextAsync(results, summary + "\n");

        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(10)));
        Assert.True(statuses.GetValueOrDefault(200) > 0 && statuses.GetValueOrDefault(429) > 0,
            $"the load must both be served and overflow: {string.Join(", ", statuses.Select(p => $"{p.Key}×{p.Value}"))}");
        Assert.True(p99 < 0.1, $"/health p99 {p99 * 1000:F0} ms over {healthTimes.Count} probes");
        // Memory levels off: the last third of the run holds no more than 10 % over the first third (after warm-up).
        Assert.True(last < first * 1.10, $"resident memory grew {100 * (last / first - 1):F1} % ({first / 1e6:F0} → {last / 1e6:F0} MB)");
        // Every block comes back once the hung-up and finished sequences are gone.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await UsedBlocksAsync(client) != baseline)
        {
            Assert.True(DateTime.UtcNow < deadline, $"KV blocks in use stayed at {await UsedBlocksAsync(client)} (baseline {baseline})");
            await Task.Delay(200);
        }
        using var after = await client.PostAsJsonAsync("v1/completions", new { model = "model", prompt = "still here?", max_tokens = 3 });
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static async Task<long> UsedBlocksAsync(HttpClient client)
    {
        var metrics = await client.GetStringAsync("metrics");
        return Regex.Matches(metrics, @"^dynamo_worker_kv_blocks_used\{[^}]*\} (\d+)", RegexOptions.Multiline).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The soak measures latency and memory: it runs alone, not beside this assembly's other multi-process tests.</summary>
[CollectionDefinition(nameof(OverloadSoak), DisableParallelization = true)]
public sealed class OverloadSoak;
