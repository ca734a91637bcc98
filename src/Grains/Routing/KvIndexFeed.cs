using Dynamo.Orleans.Grains.Diagnostics;
using Dynamo.Orleans.Workers;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>
/// Keeps this silo's <see cref="KvIndex"/> following every engine in the cluster. Started by the first routing decision
/// that needs it, so only silos that route pay for it. Per engine, one long-poll loop: a dump first (a router that
/// starts knows nothing), then "what came after event N?" again and again; a gap (this router fell further behind than
/// the worker keeps) or a batch out of order means a fresh dump. An engine whose silo leaves the cluster has its blocks
/// dropped. Batched grain calls rather than a stream: no stream queue that could live on (and die with) another silo,
/// a slow router only gets bigger batches, and recovery is the same call path as normal operation.
/// </summary>
public sealed class KvIndexFeed(WorkerPools pools, IGrainFactory grains, KvIndex index, ILogger<KvIndexFeed> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private static readonly TimeSpan PollWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ReconcilePeriod = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, CancellationTokenSource> _followed = new();
    private int _started;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(KvIndexFeed), ServiceLifecycleStage.ApplicationServices, _ => Task.CompletedTask, _ => { Dispose(); return Task.CompletedTask; });

    /// <summary>Starts following the cluster's engines (once; later calls return at once).</summary>
    public void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        Reconcile();
        _ = Task.Run(ReconcileLoopAsync);
    }

    private async Task ReconcileLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(ReconcilePeriod, _stop.Token);
                Reconcile();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "KV index: reading the cluster's workers failed");
            }
        }
    }

    private void Reconcile()
    {
        var engines = pools.EngineKeys();
        lock (_followed)
        {
            if (_stop.IsCancellationRequested) return;
            foreach (var key in engines)
            {
                if (_followed.ContainsKey(key)) continue;
                var follow = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                _followed[key] = follow;
                _ = Task.Run(() => FollowAsync(key, follow.Token));
            }
            foreach (var key in _followed.Keys.Where(k => !engines.Contains(k)).ToList())
            {
                _followed.Remove(key, out var follow);
                follow!.Cancel();
                follow.Dispose();
                index.Remove(key);
                logger.LogInformation("KV index: worker {Worker} left the cluster; its blocks are dropped", key);
            }
        }
    }

    private async Task FollowAsync(string worker, CancellationToken cancellationToken)
    {
        var events = grains.GetGrain<IKvCacheEventsGrain>(worker);
        bool reported = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (index.LastEventId(worker) is not { } last)
                {
                    var dump = await events.Dump().WaitAsync(cancellationToken);
                    if (cancellationToken.IsCancellationRequested) break;
                    index.Load(worker, dump);
                    FabricMetrics.KvDumpsRequested.Add(1);
                    continue;
                }
                var page = await events.ReadAfter(last, PollWait).WaitAsync(cancellationToken);
                if (cancellationToken.IsCancellationRequested) break;
                bool inOrder = !page.Gap;
                foreach (var batch in page.Batches)
                    if (inOrder) inOrder = index.Apply(worker, batch);
                if (!inOrder)
                {
                    logger.LogInformation("KV index: events of worker {Worker} after {Event} are gone; reloading its cache", worker, last);
                    index.Remove(worker);
                }
                reported = false;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Usually a worker that is going away: membership will say so, and Reconcile stops this loop.
                if (!reported) logger.LogWarning("KV index: worker {Worker} did not answer ({Error}); retrying", worker, e.Message);
                reported = true;
                try { await Task.Delay(RetryDelay, cancellationToken); }
                catch (OperationCanceledException) { break; }
            }
        }
        // A loop that ends leaves no blocks behind for a worker nobody follows any more.
        lock (_followed)
            if (!_followed.ContainsKey(worker)) index.Remove(worker);
    }

    public void Dispose()
    {
        lock (_followed)
        {
            if (_stop.IsCancellationRequested) return;
            _stop.Cancel();
            _followed.Clear();
        }
    }
}
