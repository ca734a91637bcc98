using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Load;
using Dynamo.Orleans.Bench.Metrics;
using Dynamo.Orleans.Bench.Tests.Client;
using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Tests.Load;

public sealed class LoadRunnerTests
{
    [Fact]
    public async Task A_mixed_run_completes_every_foreground_request_marks_warm_up_and_writes_one_record_per_request()
    {
        await using var server = new SseTestServer();
        using var endpoint = new CompletionEndpoint(server.BaseAddress, TimeSpan.FromSeconds(30));
        var workload = new Workload("mixed",
        [
            new TrafficClass("decode-streams", new Arrival.Concurrency(3), new LengthDistribution.Fixed(8), new LengthDistribution.Fixed(5), 0, WarmupSessions: 2, Background: true),
            new TrafficClass("long-prompts", new Arrival.Poisson(200), new LengthDistribution.Uniform(40, 60), new LengthDistribution.Fixed(2), Sessions: 6, WarmupSessions: 1),
        ]);
        var path = Path.Combine(Path.GetTempPath(), $"records-{Guid.NewGuid():N}.jsonl");
        try
        {
            IReadOnlyList<RequestRecord> records;
            using (var log = new RequestLog(path, "test/c3"))
                records = await new LoadRunner(endpoint, "bench-model", TimeSpan.FromSeconds(60)).RunAsync(workload, log, CancellationToken.None);

            Assert.All(records, r => Assert.True(r.Succeeded, r.Error));
            Assert.Equal(6, records.Count(r => r.Class == "long-prompts" && !r.Warmup));
            Assert.Equal(1, records.Count(r => r.Class == "long-prompts" && r.Warmup));
            Assert.Equal(2, records.Count(r => r.Class == "decode-streams" && r.Warmup));
            Assert.All(records.Where(r => r.Class == "long-prompts"), r => Assert.InRange(r.PromptTokens, 40, 60));
            Assert.Equal(records.Count, File.ReadAllLines(path).Length);
            Assert.Equal(records.Count, server.Requests.Count);
            var summary = RunSummary.Of(records, new ServiceLevel(10, 10), 2);
            Assert.Equal(records.Count(r => !r.Warmup), summary.Requests);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Multi_turn_sessions_run_their_turns_in_order_each_after_the_last()
    {
        await using var server = new SseTestServer();
        using var endpoint = new CompletionEndpoint(server.BaseAddress, TimeSpan.FromSeconds(30));
        var workload = new Workload("chat", [new TrafficClass("chat", new Arrival.Concurrency(2), new LengthDistribution.Fixed(10), new LengthDistribution.Fixed(3), Sessions: 4, Turns: 3)]);
        using var log = new RequestLog(null, "chat");

        var records = await new LoadRunner(endpoint, "m", TimeSpan.FromSeconds(60)).RunAsync(workload, log, CancellationToken.None);

        Assert.Equal(12, records.Count);
        foreach (var session in records.GroupBy(r => r.Session))
        {
            var turns = session.OrderBy(r => r.Turn).ToList();
            Assert.Equal([10, 23, 36], turns.Select(t => t.PromptTokens));
            for (int k = 1; k < turns.Count; k++) Assert.True(turns[k].StartS >= turns[k - 1].EndS);
        }
    }

    [Fact]
    public async Task Think_time_passes_between_a_turns_answer_and_the_next_request_and_never_counts_in_its_TTFT()
    {
        await using var server = new SseTestServer();
        using var endpoint = new CompletionEndpoint(server.BaseAddress, TimeSpan.FromSeconds(30));
        var think = TimeSpan.FromMilliseconds(300);
        var chat = new TrafficClass("chat", new Arrival.Concurrency(2), new LengthDistribution.Fixed(10), new LengthDistribution.Fixed(3), Sessions: 2, Turns: 3,
                                    SystemPrompt: new LengthDistribution.Fixed(16), Think: new ThinkTime(think, think));
        using var log = new RequestLog(null, "chat");

        var records = await new LoadRunner(endpoint, "m", TimeSpan.FromSeconds(60)).RunAsync(new Workload("chat", [chat]), log, CancellationToken.None);

        Assert.Equal(6, records.Count);
        foreach (var session in records.GroupBy(r => r.Session))
        {
            var turns = session.OrderBy(r => r.Turn).ToList();
            Assert.Equal([26, 39, 52], turns.Select(t => t.PromptTokens));
            for (int k = 1; k < turns.Count; k++)
            {
                Assert.True(turns[k].StartS - turns[k - 1].EndS >= think.TotalSeconds - 0.01, $"turn {k} started {turns[k].StartS - turns[k - 1].EndS:F3} s after the answer");
                // The test server answers at once: a TTFT near the think time would mean the pause was timed as the server's.
                Assert.True(turns[k].TtftS < think.TotalSeconds, $"turn {k} TTFT {turns[k].TtftS:F3} s");
            }
        }
    }

    [Fact]
    public async Task A_server_that_fails_every_request_ends_the_point_instead_of_being_hammered()
    {
        await using var server = new SseTestServer(async (_, response) =>
        {
            response.StatusCode = 503;
            await response.OutputStream.WriteAsync("""{"error":{"message":"no decode worker"}}"""u8.ToArray());
        });
        using var endpoint = new CompletionEndpoint(server.BaseAddress, TimeSpan.FromSeconds(30));
        var workload = new Workload("down", [new TrafficClass("requests", new Arrival.Concurrency(4), new LengthDistribution.Fixed(4), new LengthDistribution.Fixed(4), Sessions: 100_000)]);
        using var log = new RequestLog(null, "down");

        var records = await new LoadRunner(endpoint, "m", TimeSpan.FromSeconds(60)).RunAsync(workload, log, CancellationToken.None);

        Assert.All(records, r => Assert.False(r.Succeeded));
        Assert.InRange(records.Count, LoadRunner.ConsecutiveFailureLimit, LoadRunner.ConsecutiveFailureLimit + 8); // the users in flight finish, none start
    }
}
