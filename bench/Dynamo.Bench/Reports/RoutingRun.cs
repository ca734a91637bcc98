using Dynamo.Orleans.Bench.Metrics;

namespace Dynamo.Orleans.Bench.Reports;

/// <summary>
/// The multi-turn workload on one router mode's deployment: latencies and throughput, what the prefix caches gave, the
/// requests lost (warm-up included), and the cores other processes of the machine took meanwhile (null: unknown).
/// </summary>
public sealed record RoutingRun(string Mode, RunSummary Summary, PrefixCacheStats Cache, int Lost, double? OtherCpuCores = null);
