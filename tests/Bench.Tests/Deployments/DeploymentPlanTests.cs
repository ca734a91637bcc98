using Dynamo.Orleans.Bench.Deployments;

namespace Dynamo.Orleans.Bench.Tests.Deployments;

public sealed class DeploymentPlanTests
{
    private static readonly ServeSettings Settings = new("/models/bench", [0, 1], ["--kv-transport", "sharedmemory"]);

    private static string After(IReadOnlyList<string> args, string option) => args[args.ToList().IndexOf(option) + 1];

    [Fact]
    public void Aggregated_is_an_HTTP_primary_and_two_single_threaded_all_role_workers_on_their_own_cores()
    {
        var plan = DeploymentPlan.Aggregated(Settings);

        Assert.Equal(3, plan.Processes.Count);
        var primary = plan.Processes[0];
        Assert.Null(primary.Core);
        Assert.Equal("none", After(primary.Arguments, "--role"));
        Assert.Equal(plan.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture), After(primary.Arguments, "--http-port"));
        var workers = plan.Processes.Skip(1).ToList();
        Assert.Equal([0, 1], workers.Select(w => w.Core!.Value));
        Assert.All(workers, w =>
        {
            Assert.Equal("all", After(w.Arguments, "--role"));
            Assert.Equal("1", After(w.Arguments, "--threads"));
            Assert.Equal($"127.0.0.1:{After(primary.Arguments, "--silo-port")}", After(w.Arguments, "--primary"));
            Assert.Equal("/models/bench", After(w.Arguments, "--model"));
            Assert.Equal("sharedmemory", After(w.Arguments, "--kv-transport"));
        });
        Assert.Equal(2, plan.WorkerCores);
    }

    [Fact]
    public void Disaggregated_has_one_prefill_and_one_decode_worker()
    {
        var plan = DeploymentPlan.Disaggregated(Settings);
        Assert.Equal(["prefill", "decode"], plan.Processes.Skip(1).Select(w => After(w.Arguments, "--role")));
        Assert.Equal([0, 1], plan.Processes.Skip(1).Select(w => w.Core!.Value));
    }

    [Fact]
    public void Every_process_gets_its_own_ports()
    {
        var plan = DeploymentPlan.Disaggregated(Settings);
        var ports = plan.Processes.SelectMany(p => new[] { After(p.Arguments, "--silo-port"), After(p.Arguments, "--gateway-port") })
                        .Append(plan.HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }

    [Fact]
    public void All_in_one_is_one_unpinned_process_with_default_roles_and_threads()
    {
        var plan = DeploymentPlan.AllInOne(Settings);
        var process = Assert.Single(plan.Processes);
        Assert.Null(process.Core);
        Assert.DoesNotContain("--role", process.Arguments);
        Assert.DoesNotContain("--threads", process.Arguments);
        Assert.Equal("/models/bench", After(process.Arguments, "--model"));
    }

    [Fact]
    public void Aggregated_silos_never_hand_a_prompt_to_the_other_worker_and_disaggregated_keep_the_default_threshold()
    {
        Assert.All(DeploymentPlan.Aggregated(Settings).Processes,
                   p => Assert.Equal(DeploymentPlan.NeverDisaggregate, After(p.Arguments, "--disaggregation-threshold")));
        Assert.All(DeploymentPlan.Disaggregated(Settings).Processes, p => Assert.DoesNotContain("--disaggregation-threshold", p.Arguments));
        Assert.Equal((2, 2), (DeploymentPlan.Aggregated(Settings).PrefillWorkers, DeploymentPlan.Aggregated(Settings).DecodeWorkers));
        Assert.Equal((1, 1), (DeploymentPlan.Disaggregated(Settings).PrefillWorkers, DeploymentPlan.Disaggregated(Settings).DecodeWorkers));
        var variant = DeploymentPlan.Disaggregated(Settings, threshold: 256);
        Assert.Equal("disaggregated-t256", variant.Name);
        Assert.All(variant.Processes, p => Assert.Equal("256", After(p.Arguments, "--disaggregation-threshold")));
    }

    [Fact]
    public void Aggregated_at_chunk_gives_every_worker_the_step_budget_and_keeps_the_baseline_otherwise()
    {
        var plan = DeploymentPlan.Parse("aggregated@chunk128", Settings);

        Assert.Equal("aggregated-chunk128", plan.Name);
        Assert.Null(plan.Processes[0].Core);
        Assert.DoesNotContain("--max-batched-tokens", plan.Processes[0].Arguments);
        var workers = plan.Processes.Skip(1).ToList();
        Assert.Equal([0, 1], workers.Select(w => w.Core!.Value));
        Assert.All(workers, w =>
        {
            Assert.Equal("all", After(w.Arguments, "--role"));
            Assert.Equal("1", After(w.Arguments, "--threads"));
            Assert.Equal("128", After(w.Arguments, "--max-batched-tokens"));
            Assert.Equal("sharedmemory", After(w.Arguments, "--kv-transport"));
        });
        Assert.All(plan.Processes, p => Assert.Equal(DeploymentPlan.NeverDisaggregate, After(p.Arguments, "--disaggregation-threshold")));
        Assert.Equal((2, 2, 2), (plan.WorkerCores, plan.PrefillWorkers, plan.DecodeWorkers));
        Assert.All(DeploymentPlan.Parse("aggregated", Settings).Processes, p => Assert.DoesNotContain("--max-batched-tokens", p.Arguments));
    }

    [Theory]
    [InlineData("aggregated", "aggregated")]
    [InlineData("aggregated@chunk64", "aggregated-chunk64")]
    [InlineData("aggregated@chunk256", "aggregated-chunk256")]
    [InlineData("disaggregated", "disaggregated")]
    [InlineData("disaggregated@32", "disaggregated-t32")]
    [InlineData("all-in-one", "all-in-one")]
    [InlineData("all-in-one@reserved-core", "all-in-one-reserved-core")]
    public void Deployment_names_parse_to_their_plans(string text, string name) =>
        Assert.Equal(name, DeploymentPlan.Parse(text, Settings).Name);

    [Fact]
    public void The_reserved_core_all_in_one_is_the_old_default_and_the_plain_one_takes_the_servers_defaults()
    {
        var old = DeploymentPlan.Parse("all-in-one@reserved-core", Settings).Processes.Single().Arguments;
        Assert.Equal($"{Math.Max(1, Environment.ProcessorCount - 1)}", After(old, "--threads"));
        Assert.Equal("0", After(old, "--engine-nice"));
        var plain = DeploymentPlan.Parse("all-in-one", Settings).Processes.Single().Arguments;
        Assert.DoesNotContain("--threads", plain);
        Assert.DoesNotContain("--engine-nice", plain);
    }

    [Fact]
    public void Disaggregated_means_dynamos_default_threshold_and_at_32_the_old_one()
    {
        Assert.All(DeploymentPlan.Parse("disaggregated", Settings).Processes, p => Assert.DoesNotContain("--disaggregation-threshold", p.Arguments));
        Assert.All(DeploymentPlan.Parse("disaggregated@32", Settings).Processes, p => Assert.Equal("32", After(p.Arguments, "--disaggregation-threshold")));
    }

    [Theory]
    [InlineData("aggregated@chunk63")]  // below MaxNumSeqs: the engine would refuse to start
    [InlineData("aggregated@chunk0")]
    [InlineData("aggregated@chunk")]
    [InlineData("aggregated@128")]
    [InlineData("aggregated@chunk-128")]
    [InlineData("disaggregated@")]
    [InlineData("disaggregated@x")]
    [InlineData("chunked")]
    public void Malformed_deployment_names_are_refused(string text) =>
        Assert.Throws<ArgumentException>(() => DeploymentPlan.Parse(text, Settings));

    [Fact]
    public void A_routed_deployment_is_aggregated_with_its_router_mode_on_every_silo_and_the_cache_size_on_every_worker()
    {
        var plan = DeploymentPlan.Routed(Settings, RouterSetting.Parse("least-loaded"), kvCacheMegabytes: 1024);

        Assert.Equal("least-loaded", plan.Name);
        Assert.Equal((2, 2, 2), (plan.WorkerCores, plan.PrefillWorkers, plan.DecodeWorkers));
        Assert.Equal("none", After(plan.Processes[0].Arguments, "--role"));
        Assert.All(plan.Processes, p =>
        {
            Assert.Equal("least-loaded", After(p.Arguments, "--router-mode"));
            Assert.DoesNotContain("--kv-overlap-weight", p.Arguments);
            Assert.Equal(DeploymentPlan.NeverDisaggregate, After(p.Arguments, "--disaggregation-threshold"));
        });
        Assert.DoesNotContain("--kv-cache-mb", plan.Processes[0].Arguments);
        Assert.All(plan.Processes.Skip(1), w =>
        {
            Assert.Equal("all", After(w.Arguments, "--role"));
            Assert.Equal("1", After(w.Arguments, "--threads"));
            Assert.Equal("1024", After(w.Arguments, "--kv-cache-mb"));
        });
        Assert.Equal([0, 1], plan.Processes.Skip(1).Select(w => w.Core!.Value));
        Assert.All(DeploymentPlan.Routed(Settings, RouterSetting.Parse("kv")).Processes, p => Assert.DoesNotContain("--kv-cache-mb", p.Arguments));
    }

    [Fact]
    public void Kv_at_a_weight_is_kv_with_that_overlap_weight_on_every_silo_named_as_written()
    {
        var plan = DeploymentPlan.Routed(Settings, RouterSetting.Parse("kv@2.5"));

        Assert.Equal("kv@2.5", plan.Name);
        Assert.All(plan.Processes, p =>
        {
            Assert.Equal("kv", After(p.Arguments, "--router-mode"));
            Assert.Equal("2.5", After(p.Arguments, "--kv-overlap-weight"));
        });
        Assert.True(RouterSetting.Parse("kv@4").IsKv);
        Assert.False(RouterSetting.Parse("round-robin").IsKv);
    }

    [Theory]
    [InlineData("leastloaded")]
    [InlineData("kv@")]
    [InlineData("kv@-1")]
    [InlineData("kv@x")]
    [InlineData("round-robin@2")]
    public void Unknown_router_settings_are_refused(string text) => Assert.Throws<ArgumentException>(() => RouterSetting.Parse(text));

    [Fact]
    public void Every_deployment_is_compared_with_aggregated_and_the_others_also_with_each_chunked_baseline()
    {
        var pairs = DeploymentPlan.ComparisonPairs(["aggregated", "aggregated-chunk128", "disaggregated", "disaggregated-t32", "all-in-one"]);

        Assert.Equal(
        [
            ("aggregated", "aggregated-chunk128"), ("aggregated", "disaggregated"), ("aggregated", "disaggregated-t32"), ("aggregated", "all-in-one"),
            ("aggregated-chunk128", "disaggregated"), ("aggregated-chunk128", "disaggregated-t32"), ("aggregated-chunk128", "all-in-one"),
        ], pairs);
        Assert.Equal([("aggregated", "disaggregated")], DeploymentPlan.ComparisonPairs(["aggregated", "disaggregated"]));
    }
}
