using Dynamo.Orleans.Grains.Routing;
using Dynamo.Orleans.Workers;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Tests.Routing;

public sealed class WorkerLoadCacheTests
{
    private static readonly WorkerAddress Worker = new(WorkerRole.Decode, SiloAddress.FromParsableString("127.0.0.1:11111@1"), "w");

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now = DateTimeOffset.UnixEpoch;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static WorkerLoad Load(int running) => new() { WorkerId = "w", Role = WorkerRole.Decode, Model = "m", Running = running, BlockSize = 16 };

    [Fact]
    public async Task Concurrent_readers_share_one_fetch_and_a_request_sent_after_it_began_still_counts()
    {
        var time = new ManualTime();
        int fetches = 0;
        var answer = new TaskCompletionSource<WorkerLoad?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var cache = new WorkerLoadCache(_ => { Interlocked.Increment(ref fetches); return answer.Task; }, () => TimeSpan.FromMilliseconds(100), time);

        cache.Note(Worker, blocks: 5, prefillBlocks: 5); // sent before the fetch: the load will include it
        var first = cache.GetAsync(Worker);
        cache.Note(Worker, blocks: 7, prefillBlocks: 2); // sent while the fetch runs: the load may not include it
        var second = cache.GetAsync(Worker);
        Assert.Equal(1, fetches);

        answer.SetResult(Load(running: 1));
        Assert.Same(await first, await second);
        Assert.Equal(new SentSinceRefresh(1, 2, 7), cache.Sent(Worker));

        // Within the interval the cached load answers; after it, a new fetch runs.
        Assert.Equal(1, (await cache.GetAsync(Worker))!.Running);
        Assert.Equal(1, fetches);
        time.Now += TimeSpan.FromMilliseconds(150);
        var next = cache.GetAsync(Worker);
        Assert.Equal(2, fetches);
        Assert.Equal(1, (await next)!.Running);
    }

    [Fact]
    public async Task A_worker_that_does_not_answer_reads_as_null_and_is_asked_again_after_the_interval()
    {
        var time = new ManualTime();
        int fetches = 0;
        var cache = new WorkerLoadCache(_ => Task.FromResult<WorkerLoad?>(++fetches == 1 ? null : Load(2)), () => TimeSpan.FromMilliseconds(100), time);
        Assert.Null(await cache.GetAsync(Worker));
        Assert.Null(await cache.GetAsync(Worker));
        time.Now += TimeSpan.FromMilliseconds(101);
        Assert.Equal(2, (await cache.GetAsync(Worker))!.Running);
        Assert.Equal(2, fetches);
    }
}
