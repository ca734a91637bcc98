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
}
