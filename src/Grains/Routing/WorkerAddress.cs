using Dynamo.Orleans.Workers;
using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Routing;

/// <summary>A worker of one pool on one silo: the grain key says which.</summary>
public sealed record WorkerAddress(WorkerRole Role, SiloAddress Silo, string Key);
