using System.Globalization;

namespace Dynamo.Orleans.Bench.Deployments;

/// <summary>
/// A way of serving to compare: the processes to start (the first one is the primary that the others join and that
/// serves HTTP), the port its HTTP gateway listens on, and how many worker cores it has — the denominator of
/// "tokens/s per worker".
/// </summary>
public sealed record DeploymentPlan(string Name, string Description, int HttpPort, int WorkerCores, IReadOnlyList<ServeProcessSpec> Processes,
                                    int PrefillWorkers, int DecodeWorkers)
{
    /// <summary>
    /// A sequence prefills remotely when its prompt reaches the disaggregation threshold and a prefill worker other than
    /// its decode worker exists — in a cluster of two all-role workers the other one. Aggregated serving means each worker
    /// prefills its own sequences, so its silos (the primary too: sequence grains may live there) get a threshold no prompt reaches.
    /// </summary>
    public const string NeverDisaggregate = "1000000";

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}/");

    /// <summary><c>dynamo serve</c> with its defaults (every role, engine threads = every core, libtorch's workers at nice 10, in-process KV hand-over) but the benchmark model.</summary>
    public static DeploymentPlan AllInOne(ServeSettings s)
    {
        var ports = FreePorts.Take(3);
        return new("all-in-one", "one `dynamo serve` process, every role, default engine threads (every core, libtorch's workers niced by 10)", ports[2], Environment.ProcessorCount,
            [new("all-in-one", [.. s.ModelArguments, .. Ports(ports[0], ports[1]), s.HttpPortOption, Text(ports[2])], null)], 1, 1);
    }

    /// <summary>
    /// The all-in-one server as it was before 2026-12: engine threads = every core but one, kept for Orleans and the
    /// gateway, and no nice; to measure the change beside <see cref="AllInOne"/>.
    /// </summary>
    public static DeploymentPlan AllInOneReservedCore(ServeSettings s)
    {
        var ports = FreePorts.Take(3);
        int threads = Math.Max(1, Environment.ProcessorCount - 1);
        return new("all-in-one-reserved-core", $"one `dynamo serve` process, every role, `--threads {threads} --engine-nice 0` (one core left to Orleans, the default before 2026-12)",
            ports[2], Environment.ProcessorCount,
            [new("all-in-one", [.. s.ModelArguments, .. Ports(ports[0], ports[1]), s.HttpPortOption, Text(ports[2]), "--threads", Text(threads), "--engine-nice", "0"], null)], 1, 1);
    }

    /// <summary>
    /// Two workers that each prefill and decode, one core each, behind a primary that only routes and serves HTTP. With
    /// <paramref name="maxBatchedTokens"/> every worker gets <c>--max-batched-tokens N</c> (a smaller step budget: a long
    /// prompt's prefill is cut into shorter chunks, so each stall of the decode batch sharing its step is shorter) and the
    /// deployment is named <c>aggregated-chunkN</c>.
    /// </summary>
    public static DeploymentPlan Aggregated(ServeSettings s, int? maxBatchedTokens = null)
    {
        if (maxBatchedTokens is < MinBatchedTokens)
            throw new ArgumentException($"aggregated@chunk{maxBatchedTokens}: the step budget must be at least {MinBatchedTokens} (the engine's MaxNumSeqs, so every running sequence can decode each step)");
        return Cluster(maxBatchedTokens is { } n ? $"aggregated-chunk{n}" : "aggregated",
                "primary (no worker role, HTTP) + 2 × `--role all` workers, `--threads 1`, one core each; " +
                $"`--disaggregation-threshold {NeverDisaggregate}` on every silo so that each worker prefills its own sequences" +
                (maxBatchedTokens is { } m ? $"; `--max-batched-tokens {m}` on every worker (prefill chunks of at most {m} tokens)" : "; the engine's default step budget (512 tokens)"),
                s, ["all", "all"], [ThresholdOption, NeverDisaggregate],
                maxBatchedTokens is { } b ? [BatchedTokensOption, Text(b)] : []);
    }

    /// <summary>
    /// <see cref="Aggregated"/> with <c>--router-mode</c> (and for <c>kv@W</c> <c>--kv-overlap-weight</c>) on every silo,
    /// named after the setting: the router runs where the sequence grains live (the primary), but every silo gets the
    /// options so that it never depends on where they are. Workers get <c>--kv-cache-mb</c> when
    /// <paramref name="kvCacheMegabytes"/> is given (a cache that cannot hold every user's context evicts what a
    /// cache-aware router would route to).
    /// </summary>
    public static DeploymentPlan Routed(ServeSettings s, RouterSetting router, int? kvCacheMegabytes = null)
    {
        string[] everySilo =
        [
            ThresholdOption, NeverDisaggregate, RouterModeOption, router.Mode,
            .. router.OverlapWeight is { } w ? new[] { OverlapWeightOption, w.ToString(CultureInfo.InvariantCulture) } : [],
        ];
        return Cluster(router.Name,
            "primary (no worker role, HTTP) + 2 × `--role all` workers, `--threads 1`, one core each; " +
            $"`--disaggregation-threshold {NeverDisaggregate} {RouterModeOption} {router.Mode}" +
            (router.OverlapWeight is { } weight ? string.Create(CultureInfo.InvariantCulture, $" {OverlapWeightOption} {weight}") : "") + "` on every silo" +
            (kvCacheMegabytes is { } mb ? $"; `--kv-cache-mb {Text(mb)}` on every worker" : ""),
            s, ["all", "all"], everySilo, kvCacheMegabytes is { } m ? ["--kv-cache-mb", Text(m)] : []);
    }

    /// <summary>
    /// One prefill worker and one decode worker, one core each: the KV cache is handed from one to the other. With a
    /// <paramref name="threshold"/> (set on all its silos, since sequence grains decide and may live on any of them) it is
    /// named <c>disaggregated-tN</c>, so that variants can be compared in one run.
    /// </summary>
    public static DeploymentPlan Disaggregated(ServeSettings s, int? threshold = null) =>
        Cluster(threshold is null ? "disaggregated" : $"disaggregated-t{threshold}",
                "primary (no worker role, HTTP) + `--role prefill` worker + `--role decode` worker, `--threads 1`, one core each" +
                (threshold is { } t ? $"; `--disaggregation-threshold {t}` on every silo (shorter prompts prefill on the decode worker)" : "; dynamo's default disaggregation threshold (256)"),
                s, ["prefill", "decode"], threshold is { } n ? [ThresholdOption, Text(n)] : []);

    /// <summary>The engine's default MaxNumSeqs: a smaller step budget is refused by the engine (every running sequence must decode each step).</summary>
    public const int MinBatchedTokens = 64;

    /// <summary>
    /// A <c>--deployments</c> entry: <c>aggregated</c>, <c>aggregated@chunkN</c>, <c>disaggregated</c> (dynamo's default
    /// threshold), <c>disaggregated@N</c>, <c>all-in-one</c> or <c>all-in-one@reserved-core</c>.
    /// </summary>
    public static DeploymentPlan Parse(string text, ServeSettings s)
    {
        const string ChunkPrefix = "aggregated@chunk", DisaggregatedPrefix = "disaggregated@";
        return text switch
        {
            "aggregated" => Aggregated(s),
            "disaggregated" => Disaggregated(s),
            "all-in-one" => AllInOne(s),
            "all-in-one@reserved-core" => AllInOneReservedCore(s),
            _ when text.StartsWith(ChunkPrefix, StringComparison.Ordinal) && Number(text[ChunkPrefix.Length..]) is { } n => Aggregated(s, n),
            _ when text.StartsWith(DisaggregatedPrefix, StringComparison.Ordinal) && Number(text[DisaggregatedPrefix.Length..]) is { } t => Disaggregated(s, t),
            _ => throw new ArgumentException($"--deployments: '{text}' is not aggregated, aggregated@chunkN, disaggregated, disaggregated@N, all-in-one or all-in-one@reserved-core"),
        };

        static int? Number(string digits) =>
            int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;
    }

    /// <summary>
    /// The baselines of a comparison: <c>aggregated</c> and every <c>aggregated-chunkN</c>. Every other deployment is
    /// compared with each of them; the chunked aggregated variants also with plain <c>aggregated</c>.
    /// </summary>
    public static IReadOnlyList<(string Baseline, string Candidate)> ComparisonPairs(IReadOnlyList<string> names)
    {
        var pairs = new List<(string, string)>();
        foreach (var b in names.Where(IsAggregated))
            foreach (var c in names.Where(c => c != b && (b == "aggregated" || !IsAggregated(c))))
                pairs.Add((b, c));
        return pairs;

        static bool IsAggregated(string name) => name == "aggregated" || name.StartsWith("aggregated-chunk", StringComparison.Ordinal);
    }

    private const string ThresholdOption = "--disaggregation-threshold";
    private const string BatchedTokensOption = "--max-batched-tokens";
    private const string RouterModeOption = "--router-mode";
    private const string OverlapWeightOption = "--kv-overlap-weight";

    private static DeploymentPlan Cluster(string name, string description, ServeSettings s, string[] workerRoles, string[] everySilo, string[]? everyWorker = null)
    {
        var ports = FreePorts.Take(3 + 2 * workerRoles.Length);
        int primarySilo = ports[0], http = ports[2];
        var processes = new List<ServeProcessSpec>
        {
            new($"{name}-primary", [.. s.ModelArguments, "--role", s.PrimaryRole, .. Ports(ports[0], ports[1]), s.HttpPortOption, Text(http), .. everySilo], null),
        };
        for (int i = 0; i < workerRoles.Length; i++)
        {
            var core = s.WorkerCores[i % s.WorkerCores.Count];
            processes.Add(new($"{name}-{workerRoles[i]}-{i}",
                [.. s.ModelArguments, "--role", workerRoles[i], "--threads", "1", .. Ports(ports[3 + 2 * i], ports[4 + 2 * i]),
                 "--primary", $"127.0.0.1:{primarySilo}", .. everySilo, .. everyWorker ?? [], .. s.WorkerArguments], core));
        }
        int prefill = workerRoles.Count(r => r is "prefill" or "all"), decode = workerRoles.Count(r => r is "decode" or "all");
        return new(name, description, http, workerRoles.Length, processes, prefill, decode);
    }

    private static string[] Ports(int silo, int gateway) => ["--silo-port", Text(silo), "--gateway-port", Text(gateway)];

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
