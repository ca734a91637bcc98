using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains;

/// <summary>How a silo takes part in serving: its roles, its engine, and the disaggregation policy.</summary>
public sealed class FabricOptions
{
    public const string SectionName = "Fabric";

    /// <summary>Worker roles of this silo (published as silo metadata).</summary>
    public WorkerRole Roles { get; set; } = WorkerRole.All;

    /// <summary>The model and engine this silo's workers run (and whose tokenizer its sequence grains use).</summary>
    public EngineOptions Engine { get; set; } = new();

    /// <summary>
    /// Conditional disaggregation: prompts with fewer uncached tokens than this (what the chosen decode worker does not
    /// already hold, by the router's KV index) prefill locally on the decode worker.
    /// Short prompts cost a decode step little, and sending them to the prefill pool queues them behind long prompts
    /// (bench/results/serving.md: at 32 their time to first token was 5× aggregated's; at 256 goodput rose 1.4–1.5×).
    /// 0 sends every prompt to the prefill pool when there is one.
    /// </summary>
    public int DisaggregationThreshold { get; set; } = 256;

    /// <summary>How routers pick workers: by KV cache overlap and load (the default), least loaded, in turn, or at random.</summary>
    public RouterMode RouterMode { get; set; } = RouterMode.Kv;

    /// <summary>
    /// The kv router's weight on prefill work (<see cref="Routing.KvRoutingCost"/>): how much a cached block is worth
    /// against a block in use. Dynamo's default is 1, for GPUs; on these CPU engines prefill is what a request waits
    /// for, and with 1 a worker holding other long conversations gave away a quarter of the follow-up turns it had cached
    /// (75 % follow-up hits, TTFT p50 0.61× round-robin's) where 4 kept 95 % (0.46×) (bench/results/routing.md).
    /// </summary>
    public double KvOverlapWeight { get; set; } = 4.0;

    /// <summary>
    /// A prefill worker with more prompt tokens queued than this is busy; when every prefill worker is, prompts prefill on
    /// their decode worker instead of queueing for the prefill pool (Dynamo's load-aware disaggregation).
    /// </summary>
    public long PrefillQueueLimit { get; set; } = 8192;

    /// <summary>Layers per published KV group; 0 picks about four groups per model.</summary>
    public int LayerGroupSize { get; set; }

    /// <summary>How long a decode worker waits for a handed-off sequence's pages before giving up.</summary>
    public TimeSpan HandoffTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a sequence may move to another worker after one failed.</summary>
    public int MaxReroutes { get; set; } = 2;

    /// <summary>How stale the router's view of worker loads may be.</summary>
    public TimeSpan LoadRefreshInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long shutdown waits for running sequences to finish before cancelling them.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The stream provider carrying KV page handles.</summary>
    public string StreamProvider { get; set; } = "kv";

    /// <summary>Poll period of the memory stream queues: the main part of handoff latency (Orleans' default is 100 ms).</summary>
    public TimeSpan StreamPollPeriod { get; set; } = TimeSpan.FromMilliseconds(2);

    public int ResolveLayerGroupSize(int layers) => LayerGroupSize > 0 ? Math.Min(LayerGroupSize, layers) : Math.Max(1, (layers + 3) / 4);
}
