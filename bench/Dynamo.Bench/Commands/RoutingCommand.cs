using System.CommandLine;
using System.Globalization;
using Dynamo.Orleans.Bench.Deployments;
using Dynamo.Orleans.Bench.Load;
using Dynamo.Orleans.Bench.Metrics;
using Dynamo.Orleans.Bench.Reports;
using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Commands;

/// <summary>
/// <c>dynamo-bench routing</c>: what a KV-cache-aware router buys on chat traffic. N users hold K-turn conversations at
/// once, each with their own system prompt, thinking between turns; every turn resends the conversation so far. Two
/// aggregated workers (one core each) serve it, once per <c>--router-mode</c> — deployments started one after another
/// as <c>compare</c> does. With <c>kv</c> a user's turns should return to the worker that holds their context and
/// prefill only the new message; least-loaded and round-robin split a user's turns across the workers, and a turn that
/// lands on the other worker prefills the whole conversation again. Reports TTFT, prefix hit rate and output tokens/s
/// per mode and kv's ratios against the others; writes files only with <c>--out</c> or <c>--record</c>.
/// The defaults take about 5 minutes on two cores (about 95 s per mode: start, warm-up, a minute measured). The think
/// time is long against a turn's service time (about 3 s here) on purpose: users then ask at their own pace whatever the
/// router, so the modes compare at equal throughput, and the workers are busy but not saturated. With short pauses the
/// closed loop saturates both workers: a faster router's users just come back sooner, and TTFT measures the queue.
/// </summary>
internal static class RoutingCommand
{
    /// <summary>Goodput is not this benchmark's question; the summary needs an SLA, so it gets compare's defaults.</summary>
    private static readonly ServiceLevel Sla = new(4.0, 0.1);

    /// <summary>Cores taken by other processes during a run above which the report warns (an idle machine's background is a few hundredths).</summary>
    private const double OtherCpuNoteAbove = 0.1;

    public static Command Create(string[] args)
    {
        var deploymentOptions = new DeploymentOptions();
        var output = new OutputOptions("routing", plots: false);
        var modes = new Option<string>("--modes")
        {
            Description = $"comma list of router modes, one deployment each: {string.Join(", ", RouterSetting.Modes)}, or kv@W (kv with --kv-overlap-weight W); " +
                          "each kv one is compared with each other one",
            DefaultValueFactory = _ => "kv,least-loaded,round-robin",
        };
        var users = new Option<int>("--users") { Description = "concurrent users, each holding one conversation", DefaultValueFactory = _ => 8 };
        var turns = new Option<int>("--turns") { Description = "turns per conversation", DefaultValueFactory = _ => 6 };
        var systemPrompt = new Option<string>("--system-prompt-tokens") { Description = "each user's own system prompt: N, uniform:MIN-MAX or normal:…", DefaultValueFactory = _ => "uniform:256-512" };
        var userTokens = new Option<string>("--user-tokens") { Description = "each turn's new user message, same forms", DefaultValueFactory = _ => "uniform:48-80" };
        var answerTokens = new Option<string>("--answer-tokens") { Description = "each answer's length, same forms", DefaultValueFactory = _ => "32" };
        var think = new Option<string>("--think-time-ms")
        {
            Description = "a user's pause before each turn (after the last answer; before the first, it spreads the users' starts): MS or MIN-MAX (uniform)",
            DefaultValueFactory = _ => "4000-8000",
        };
        var warmup = new Option<int>("--warmup") { Description = "warm-up conversations before the measured ones (own system prompts, excluded from results)", DefaultValueFactory = _ => 2 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var kvCacheMb = new Option<int>("--kv-cache-mb") { Description = "KV cache of each worker in MiB (checked to hold every user's context)", DefaultValueFactory = _ => 512 };
        var command = new Command("routing", "Compare router modes (kv, least-loaded, round-robin) on a multi-turn chat workload over two aggregated workers.");
        deploymentOptions.AddTo(command);
        output.AddTo(command);
        foreach (var o in new Option[] { modes, users, turns, systemPrompt, userTokens, answerTokens, think, warmup, seed, kvCacheMb })
            command.Options.Add(o);

        command.SetAction(async (r, cancellationToken) => await BenchErrors.Run(async () =>
        {
            int userCount = r.GetValue(users), turnCount = r.GetValue(turns), warmupCount = r.GetValue(warmup), cacheMb = r.GetValue(kvCacheMb);
            if (userCount < 1 || turnCount < 1 || warmupCount < 0 || cacheMb < 1)
                throw new ArgumentException("--users, --turns and --kv-cache-mb must be ≥ 1, --warmup ≥ 0");
            var routers = r.GetValue(modes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()
                .Select(RouterSetting.Parse).ToList();
            if (routers.Count == 0) throw new ArgumentException("--modes: no router mode given");
            var chat = new TrafficClass("chat", new Arrival.Concurrency(userCount), LengthDistribution.Parse(r.GetValue(userTokens)!),
                LengthDistribution.Parse(r.GetValue(answerTokens)!), Sessions: userCount, WarmupSessions: warmupCount, Turns: turnCount,
                SystemPrompt: LengthDistribution.Parse(r.GetValue(systemPrompt)!), Think: ThinkTime.Parse(r.GetValue(think)!));
            var workload = new Workload("multi-turn chat", [chat], r.GetValue(seed));
            string? outFolder = output.ResultsFolder(r);

            var setup = deploymentOptions.Prepare(r);
            setup.RequireContext(chat.MaxPromptTokens + chat.Output.Max);
            var cache = CacheDescription(chat, setup.Written, cacheMb);
            var plans = routers.Select(m => DeploymentPlan.Routed(setup.Settings, m, cacheMb)).ToList();
            string stem = r.GetValue(output.Name)!;
            var series = new DeploymentSeries(setup, TimeSpan.FromSeconds(r.GetValue(output.RequestSeconds)), DeploymentSeries.NewLogFolder(stem));
            // Per-request records beside the servers' logs: the committed result is the summary, the records are for digging.
            var recordsPath = Path.Combine(series.LogFolder, $"{stem}-records.jsonl");
            var deadline = TimeSpan.FromSeconds(r.GetValue(output.PointSeconds));
            var runs = new List<RoutingRun>();
            if (LoadAverage() is { } load)
                series.Note(string.Create(CultureInfo.InvariantCulture, $"1-minute load average when the run started: {load:0.00} on {Environment.ProcessorCount} cores (anything else running shares the workers' cores)"));

            foreach (var plan in plans)
            {
                await series.RunAsync(plan, async (running, endpoint, modelName) =>
                {
                    using var log = new RequestLog(recordsPath, plan.Name);
                    var others = OtherCpuUse.Start(running.Processes.Select(p => p.Id));
                    var m = await PointMeasurement.RunAsync(endpoint, modelName, workload, plan.Name, plan.WorkerCores, userCount, Sla, log, deadline, cancellationToken);
                    var otherCores = others?.CoresSinceStart();
                    series.Count(m, plan.Name);
                    var stats = PrefixCacheStats.Of(m.Records);
                    if (stats.Requests == 0) series.Note($"{plan.Name}: no response reported usage.prompt_tokens_details.cached_tokens; prefix hit rates are unknown");
                    if (otherCores > OtherCpuNoteAbove)
                        series.Note(string.Create(CultureInfo.InvariantCulture,
                            $"{plan.Name}: other processes used {otherCores:0.00} of the {Environment.ProcessorCount} cores on average while it ran: its latencies are inflated by them"));
                    runs.Add(new RoutingRun(plan.Name, m.Point.Summary, stats, m.Lost.Count, otherCores));
                    running.EnsureRunning();
                }, cancellationToken);
            }

            var result = new RoutingResult(CommandLineText.Of(args), DateTime.UtcNow, MachineDescription.Current(), setup.Written.Description,
                workload.Describe() + "; each user holds one conversation and thinks before its first turn too (users start spread out), warm-up does not think", cache, plans.Select(DeploymentDescription.Of).ToList(), runs,
                RoutingComparison.Between(runs, routers), series.Notes);
            Console.WriteLine();
            Console.WriteLine(RoutingReport.ToMarkdown(result));
            Console.Error.WriteLine($"dynamo-bench: per-request records in {recordsPath}");
            if (outFolder is not null)
            {
                var (json, md) = RoutingReport.Write(result, outFolder, stem);
                Console.WriteLine($"dynamo-bench: wrote {json}, {md}");
            }
            else Console.Error.WriteLine("dynamo-bench: no files written (give --out DIR or --record to keep the results)");
            return series.ExitCode();
        }));
        return command;
    }

    /// <summary>The machine's 1-minute load average (Linux), so that a result taken beside other work says so.</summary>
    private static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// What each worker's cache holds against what the workload needs on one worker at worst (every conversation there,
    /// warm-up included, with its answers' blocks, which the stand-in answers never hit): refused when it does not fit, since
    /// evictions would make kv routing look worse for the cache's sake, not the router's.
    /// </summary>
    internal static string CacheDescription(TrafficClass chat, WrittenBenchModel model, int cacheMb)
    {
        const int Block = PrefixCacheStats.DefaultBlockTokens;
        long capacityTokens = model.KvBytesPerToken > 0 ? cacheMb * 1024L * 1024 / (model.KvBytesPerToken * Block) * Block : long.MaxValue;
        long neededTokens = (long)(chat.Sessions + chat.WarmupSessions) * (chat.MaxPromptTokens + chat.Turns * (chat.Output.Max + Block));
        if (neededTokens > capacityTokens)
        {
            long neededMb = (neededTokens * model.KvBytesPerToken + (1 << 20) - 1) >> 20;
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"--kv-cache-mb {cacheMb} holds {capacityTokens:N0} tokens of {model.Name}, but the conversations can put {neededTokens:N0} on one worker; give --kv-cache-mb {neededMb} or more"));
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"`--kv-cache-mb {cacheMb}` on each worker: {capacityTokens / Block:N0} blocks of {Block} tokens ({capacityTokens:N0} tokens at {model.KvBytesPerToken:N0} bytes each); " +
            $"every conversation on one worker, warm-up included, needs at most {neededTokens:N0} tokens, so nothing is evicted");
    }
}
