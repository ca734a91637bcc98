using System.Collections.Concurrent;
using System.Diagnostics;
using Dynamo.Orleans.Bench.Client;
using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Load;

/// <summary>
/// Drives one workload against one endpoint: the warm-up sessions first (recorded, never summarised), then every class at
/// once — closed loops keep their users busy, Poisson classes start sessions at exponential gaps whatever the latency.
/// Within a session, each turn waits for the previous answer and then for the user's think time.
/// Background classes keep going until the foreground classes have finished, then stop issuing and drain. The whole run
/// is bounded by <paramref name="deadline"/> and ends early when the server fails every request; requests cut
/// by either are recorded as lost.
/// </summary>
public sealed class LoadRunner(CompletionEndpoint endpoint, string model, TimeSpan deadline)
{
    /// <summary>This many failures in a row end the point: the deployment is down, not slow.</summary>
    public const int ConsecutiveFailureLimit = 16;

    public async Task<IReadOnlyList<RequestRecord>> RunAsync(Workload workload, RequestLog log, CancellationToken cancellationToken)
    {
        var records = new ConcurrentBag<RequestRecord>();
        var scripts = workload.Classes.Select((c, i) => new SessionScript(c, workload.Seed * 31 + i, PromptVocabulary.Gpt2)).ToArray();
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(deadline);
        var clock = Stopwatch.StartNew();
        int foreground = workload.Classes.Where(c => !c.Background).Sum(c => c.Sessions * c.Turns);
        int consecutiveFailures = 0;
        await using (var progress = new LoadProgress(log.Label, foreground))
        {
            async Task RunSession(int classIndex, int session, bool warmup)
            {
                var cls = workload.Classes[classIndex];
                foreach (var request in scripts[classIndex].Session(session, warmup))
                {
                    // The user thinks (reads the last answer, types): waited out before the request starts, so never in its TTFT.
                    // A deadline that falls in the pause lets the turn be sent cancelled, so it is recorded as lost.
                    if (request.ThinkBefore > TimeSpan.Zero)
                    {
                        try { await Task.Delay(request.ThinkBefore, bounded.Token); }
                        catch (OperationCanceledException) { }
                    }
                    progress.Started();
                    var record = await endpoint.CompleteAsync(request, model, clock, bounded.Token);
                    if (record.Succeeded) Interlocked.Exchange(ref consecutiveFailures, 0);
                    else if (Interlocked.Increment(ref consecutiveFailures) == ConsecutiveFailureLimit && !bounded.IsCancellationRequested)
                    {
                        // A server that fails everything answers in microseconds: without this, closed-loop users would
                        // spin thousands of doomed requests until the deadline.
                        Console.Error.WriteLine($"dynamo-bench: {log.Label}: {ConsecutiveFailureLimit} requests in a row failed (last: {record.Error}); stopping this point");
                        await bounded.CancelAsync();
                    }
                    progress.Finished(record.OutputTokens, !record.Succeeded, !warmup && !cls.Background);
                    records.Add(record);
                    log.Append(record);
                    // A conversation cannot go on without its previous answer.
                    if (!record.Succeeded) break;
                }
            }

            // Warm-up: the first call of each new shape is slow (TorchSharp), and connections and grains must exist.
            await Task.WhenAll(workload.Classes.Select((c, i) => Task.Run(async () =>
            {
                int parallel = c.Arrival is Arrival.Concurrency u ? Math.Max(1, u.Users) : 1;
                int next = 0;
                await Task.WhenAll(Enumerable.Range(0, Math.Min(parallel, c.WarmupSessions)).Select(async _ =>
                {
                    int s;
                    while ((s = Interlocked.Increment(ref next) - 1) < c.WarmupSessions && !bounded.IsCancellationRequested)
                        await RunSession(i, s, warmup: true);
                }));
            })));

            using var foregroundDone = new CancellationTokenSource();
            var foregroundTasks = new List<Task>();
            var backgroundTasks = new List<Task>();
            bool anyForeground = workload.Classes.Any(c => !c.Background);
            for (int i = 0; i < workload.Classes.Count; i++)
            {
                int index = i; // the lambda runs later: capture this iteration's value, not the loop variable
                var cls = workload.Classes[index];
                bool background = cls.Background && anyForeground;
                var task = Task.Run(() => RunClass(index, cls, background, foregroundDone.Token, RunSession, bounded.Token));
                (background ? backgroundTasks : foregroundTasks).Add(task);
            }
            await Task.WhenAll(foregroundTasks);
            await foregroundDone.CancelAsync();
            await Task.WhenAll(backgroundTasks);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return records.OrderBy(r => r.StartS).ToList();
    }

    private static async Task RunClass(int classIndex, TrafficClass cls, bool background, CancellationToken foregroundDone,
                                       Func<int, int, bool, Task> runSession, CancellationToken cancellationToken)
    {
        bool MayStart(int session) => !cancellationToken.IsCancellationRequested &&
                                      (background ? !foregroundDone.IsCancellationRequested : session < cls.Sessions);
        switch (cls.Arrival)
        {
            case Arrival.Concurrency closed:
            {
                int next = 0;
                await Task.WhenAll(Enumerable.Range(0, closed.Users).Select(async _ =>
                {
                    int s;
                    while (MayStart(s = Interlocked.Increment(ref next) - 1)) await runSession(classIndex, s, false);
                }));
                break;
            }
            case Arrival.Poisson open:
            {
                // Its own random stream, so that arrival times do not depend on the prompts drawn.
                var random = new Random(unchecked(classIndex * 7_777 + 17));
                var running = new List<Task>();
                using var stopArrivals = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, background ? foregroundDone : CancellationToken.None);
                var clock = Stopwatch.StartNew();
                var due = TimeSpan.Zero;
                for (int s = 0; MayStart(s); s++)
                {
                    due += open.NextGap(random);
                    var wait = due - clock.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        try { await Task.Delay(wait, stopArrivals.Token); }
                        catch (OperationCanceledException) { break; }
                    }
                    running.Add(runSession(classIndex, s, false));
                }
                await Task.WhenAll(running);
                break;
            }
        }
    }
}
