using Dynamo.Orleans.Bench.Metrics;

namespace Dynamo.Orleans.Bench.Reports;

/// <summary>One run of the workload on one deployment at one concurrency: the whole run's summary and each traffic class's.</summary>
public sealed record MeasuredPoint(string Deployment, int WorkerCores, int Concurrency, RunSummary Summary, IReadOnlyDictionary<string, RunSummary> Classes);
