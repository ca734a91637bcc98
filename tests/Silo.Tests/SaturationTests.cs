using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dynamo.Orleans.Kernels.Checkpoints.Synthetic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace Dynamo.Orleans.Silo.Tests;

/// <summary>
/// The all-in-one server with its defaults (engine threads = every core, libtorch's workers niced) kept saturated by streaming requests
/// for <c>DYNAMO_SATURATION_SECONDS</c> (60 by default) stays a healthy member of its cluster: an Orleans client sees
/// the one silo Active and never suspected at every look, every request completes, and <c>GET /health</c>, asked every
/// ~100 ms, answers within 100 ms at p99. <c>DYNAMO_SATURATION_ENGINE_NICE</c> passes <c>--engine-nice</c> (0 shows
/// what the nice buys).
/// </summary>
[Collection(nameof(Saturation))]
public sealed class SaturationTests(ITestOutputHelper output) : IDisposable
{
    private const string EngineThread = Dynamo.Orleans.Kernels.Engine.LlmEngine.ThreadName;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "dynamo-saturation-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_saturated_all_in_one_server_stays_in_its_cluster_and_answers_health_within_100_ms()
    {
        double seconds = double.TryParse(Environment.GetEnvironmentVariable("DYNAMO_SATURATION_SECONDS"), CultureInfo.InvariantCulture, out var s) ? s : 60;
        string? engineNice = Environment.GetEnvironmentVariable("DYNAMO_SATURATION_ENGINE_NICE") is { Length: > 0 } n ? n : null;
        // Four streams per core, closed loop: the engine always has a batch. The default model's layers at twice the width
        // (~80 MB, most of it the 50k-token head) and prompts of up to 1,500 tokens (512-token prefill chunks) make
        // matmuls that libtorch spreads over every engine thread.
        int clients = 4 * Environment.ProcessorCount;
        var model = Path.Combine(_root, "model");
        SyntheticModelFolder.Write(model, DefaultModel.Options with { HiddenSize = 512, IntermediateSize = 1408 });
        int http = ClusterProcesses.FreePort(), gateway = ClusterProcesses.FreePort();
        string cluster = "saturation-" + Guid.NewGuid().ToString("N")[..8];
        await using var processes = new ClusterProcesses();
        string[] args = ["--model", model, "--kv-cache-mb", "128", "--http-port", $"{http}", "--cluster-id", cluster,
                         "--silo-port", $"{ClusterProcesses.FreePort()}", "--gateway-port", $"{gateway}"];
        var server = await processes.StartAsync(_root, engineNice is null ? args : [.. args, "--engine-nice", engineNice]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{http}/"), Timeout = TimeSpan.FromSeconds(120) };

        var orleans = Host.CreateApplicationBuilder();
        orleans.UseOrleansClient(c => c.UseLocalhostClustering(gateway, "dynamo", cluster));
        using var orleansHost = orleans.Build();
        await orleansHost.StartAsync();
        var management = orleansHost.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0);
        var initial = Membership(await management.GetDetailedHosts(onlyActive: false));
        Assert.Single(initial);

        var problems = new List<string>();
        var healthTimes = new List<double>();
        var views = new List<string>();
        int completed = 0, probesWithWork = 0, probes = 0;
        using var stop = new CancellationTokenSource();

        async Task ClientLoop(int id)
        {
            var random = new Random(id);
            while (!stop.IsCancellationRequested)
            {
                int length = random.Next(4) == 0 ? random.Next(800, 1500) : random.Next(32, 256);
                var prompt = Enumerable.Range(0, length).Select(i => (i * 389 + id * 7919 + length) % 50000).ToArray();
                int maxTokens = random.Next(32, 128);
                var body = new { model = "model", prompt, max_tokens = maxTokens, ignore_eos = true, temperature = 0.7, stream = true };
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "v1/completions") { Content = JsonContent.Create(body) };
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    var text = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode != HttpStatusCode.OK || text.Contains("\"error\"", StringComparison.Ordinal) || !text.Contains("data: [DONE]", StringComparison.Ordinal))
                        lock (problems) problems.Add($"request {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}");
                    else Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
                {
                    lock (problems) problems.Add($"request failed: {e.Message}");
                }
            }
        }

        async Task WatchHealth()
        {
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                using var health = await client.GetAsync("health");
                var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                var text = await health.Content.ReadAsStringAsync();
                healthTimes.Add(elapsed);
                if (health.StatusCode != HttpStatusCode.OK) lock (problems) problems.Add($"/health {(int)health.StatusCode}: {text}");
                else
                {
                    // Saturated means the engine is never idle: its decode worker runs sequences at every probe.
                    using var json = JsonDocument.Parse(text);
                    probes++;
                    if (json.RootElement.GetProperty("decode_workers").EnumerateArray().Any(w => w.GetProperty("running").GetInt32() > 0)) probesWithWork++;
                }
                await Task.Delay(100);
            }
        }

        async Task WatchMembership()
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var view = Membership(await management.GetDetailedHosts(onlyActive: false));
                    lock (views) views.Add(string.Join("; ", view));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    lock (problems) problems.Add($"the cluster did not answer a membership query: {e.Message}");
                }
                await Task.Delay(1000);
            }
        }

        // Warm up (first shapes, JIT) before measuring; the load keeps running through the measured window.
        var load = Enumerable.Range(0, clients).Select(ClientLoop).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(5));

        // The defaults under test, read from the running server under load: libtorch's workers (named like the engine
        // thread that started them) run at nice 10; the engine thread itself and Orleans' and .NET's threads at the process's.
        var threads = ServerThreads(server.Id);
        int processNice = threads.Single(t => t.Tid == server.Id).Nice;
        var engineThreads = threads.Where(t => t.Name == EngineThread).ToList();
        output.WriteLine($"engine threads: {string.Join(", ", engineThreads.Select(t => $"{t.Tid} nice {t.Nice}"))}; process nice {processNice}");
        if (engineNice is null)
        {
            Assert.Single(engineThreads, t => t.Nice == processNice); // the engine thread
            Assert.True(engineThreads.Count >= 2, $"expected the engine thread and libtorch's workers, found {engineThreads.Count} threads named {EngineThread}");
            Assert.All(engineThreads.Where(t => t.Nice != processNice), t => Assert.Equal(Math.Min(19, processNice + 10), t.Nice));
            Assert.All(threads.Where(t => t.Name.StartsWith(".NET", StringComparison.Ordinal)), t => Assert.Equal(processNice, t.Nice));
        }

        var cpuBefore = CpuSeconds(server.Id);
        var engineBefore = ServerThreads(server.Id).Where(t => t.Name == EngineThread).Sum(t => t.CpuSeconds);
        var clock = Stopwatch.StartNew();
        var watchers = new[] { WatchHealth(), WatchMembership() };
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        double elapsedSeconds = clock.Elapsed.TotalSeconds;
        double cores = (CpuSeconds(server.Id) - cpuBefore) / elapsedSeconds;
        double engineCores = (ServerThreads(server.Id).Where(t => t.Name == EngineThread).Sum(t => t.CpuSeconds) - engineBefore) / elapsedSeconds;
        stop.Cancel();
        await Task.WhenAll(watchers);
        await Task.WhenAll(load);
        await orleansHost.StopAsync();

        healthTimes.Sort();
        double p50 = healthTimes[healthTimes.Count / 2], p99 = healthTimes[(int)Math.Ceiling(0.99 * healthTimes.Count) - 1];
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"| {seconds:F0} s | engine nice {engineNice ?? "default (10)"} | {clients} streams | {completed} completed | server {cores:F2} cores, engine threads {engineCores:F2} | " +
            $"/health p50 {p50 * 1000:F1} ms, p99 {p99 * 1000:F1} ms, max {healthTimes[^1] * 1000:F0} ms ({healthTimes.Count} probes) | engine busy at {probesWithWork} of {probes} probes | " +
            $"{views.Distinct().Count()} membership view(s) in {views.Count} looks |");
        output.WriteLine(summary);
        Console.WriteLine("saturation: " + summary);

        Assert.False(server.HasExited, $"the server exited\n{processes.Logs()}");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(10)) + "\n" + processes.Logs());
        // The one silo, Active and never suspected, at every look: a silo that fell out would be Dead (or gone), or
        // at least carry a suspicion first.
        Assert.True(views.Count >= seconds / 2, $"only {views.Count} membership looks in {seconds} s");
        Assert.All(views, v => Assert.Equal(string.Join("; ", initial), v));
        Assert.True(probesWithWork >= 0.95 * probes, $"the engine was idle at {probes - probesWithWork} of {probes} probes: not saturated");
        Assert.True(p99 < 0.1, $"/health p99 {p99 * 1000:F0} ms over {healthTimes.Count} probes");
    }

    /// <summary>Each silo as "address status suspicions": what changes when a silo is suspected, declared dead or replaced.</summary>
    private static List<string> Membership(MembershipEntry[] entries) =>
        entries.Select(e => $"{e.SiloAddress} {e.Status} suspected {e.SuspectTimes?.Count ?? 0}×").Order(StringComparer.Ordinal).ToList();

    private sealed record ServerThread(int Tid, string Name, int Nice, double CpuSeconds);

    /// <summary>/proc/PID/task/*/stat: name (comm), nice (field 19), user + system time (fields 14 and 15, in clock ticks of 10 ms).</summary>
    private static List<ServerThread> ServerThreads(int pid)
    {
        var threads = new List<ServerThread>();
        foreach (var dir in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; } // the thread ended meanwhile
            int close = stat.LastIndexOf(')'); // comm may hold spaces and parentheses: fields count from the last ')'
            var fields = stat[(close + 2)..].Split(' '); // fields[0] is field 3
            threads.Add(new ServerThread(int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture), stat[(stat.IndexOf('(') + 1)..close],
                int.Parse(fields[19 - 3], CultureInfo.InvariantCulture),
                (long.Parse(fields[14 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[15 - 3], CultureInfo.InvariantCulture)) / 100.0));
        }
        return threads;
    }

    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[14 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[15 - 3], CultureInfo.InvariantCulture)) / 100.0;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The saturation test measures latency with every core busy: it runs alone, not beside this assembly's other multi-process tests.</summary>
[CollectionDefinition(nameof(Saturation), DisableParallelization = true)]
public sealed class Saturation;
