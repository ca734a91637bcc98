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

    /// <summary><c>dynamo serve</c> with its defaults (every role, all cores, in-process KV hand-over) but the benchmark model.</summary>
    public static DeploymentPlan AllInOne(ServeSettings s)
    {
        var ports = FreePorts.Take(3);
        return new("all-in-one", "one `dynamo serve` process, every role, default threads (all cores)", ports[2], Environment.ProcessorCount,
            [new("all-in-one", [.. s.ModelArguments, .. Ports(ports[0], ports[1]), s.HttpPortOption, Text(ports[2])], null)], 1, 1);
    }

    /// <summary>Two workers that each prefill and decode, one core each, behind a primary that only routes and serves HTTP.</summary>
    public static DeploymentPlan Aggregated(ServeSettings s) =>
        Cluster("aggregated", "primary (no worker role, HTTP) + 2 × `--role all` workers, `--threads 1`, one core each; " +
                              $"`--disaggregation-threshold {NeverDisaggregate}` on every silo so that each worker prefills its own sequences", s, ["all", "all"],
                [ThresholdOption, NeverDisaggregate]);

    /// <summary>
    /// One prefill worker and one decode worker, one core each: the KV cache is handed from one to the other. With a
    /// <paramref name="threshold"/> (set on all its silos, since sequence grains decide and may live on any of them) it is
    /// named <c>disaggregated-tN</c>, so that variants can be compared in one run.
    /// </summary>
    public static DeploymentPlan Disaggregated(ServeSettings s, int? threshold = null) =>
        Cluster(threshold is null ? "disaggregated" : $"disaggregated-t{threshold}",
                "primary (no worker role, HTTP) + `--role prefill` worker + `--role decode` worker, `--threads 1`, one core each" +
                (threshold is { } t ? $"; `--disaggregation-threshold {t}` on every silo (shorter prompts prefill on the decode worker)" : "; dynamo's default disaggregation threshold"),
                s, ["prefill", "decode"], threshold is { } n ? [ThresholdOption, Text(n)] : []);

    private const string ThresholdOption = "--disaggregation-threshold";

    private static DeploymentPlan Cluster(string name, string description, ServeSettings s, string[] workerRoles, string[] everySilo)
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
                 "--primary", $"127.0.0.1:{primarySilo}", .. everySilo, .. s.WorkerArguments], core));
        }
        int prefill = workerRoles.Count(r => r is "prefill" or "all"), decode = workerRoles.Count(r => r is "decode" or "all");
        return new(name, description, http, workerRoles.Length, processes, prefill, decode);
    }

    private static string[] Ports(int silo, int gateway) => ["--silo-port", Text(silo), "--gateway-port", Text(gateway)];

    private static string Text(int n) => n.ToString(CultureInfo.InvariantCulture);
}
