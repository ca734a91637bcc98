using Dynamo.Orleans.Workers;
using Orleans.Placement;

namespace Dynamo.Orleans.Grains.Placement;

/// <summary>Places a worker grain on a silo of one pool. The grain key names the silo (<see cref="WorkerKeys"/>).</summary>
public abstract class WorkerPoolPlacement : PlacementStrategy
{
    public abstract WorkerRole Role { get; }
}

[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class PrefillPoolPlacement : WorkerPoolPlacement
{
    public override WorkerRole Role => WorkerRole.Prefill;
}

[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class DecodePoolPlacement : WorkerPoolPlacement
{
    public override WorkerRole Role => WorkerRole.Decode;
}

/// <summary>Either pool: for grains that serve a silo's engine whatever its roles.</summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class EngineSiloPlacement : WorkerPoolPlacement
{
    public override WorkerRole Role => WorkerRole.All;
}

/// <summary>Put this grain only on silos of the prefill pool.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PrefillPoolAttribute() : PlacementAttribute(new PrefillPoolPlacement());

/// <summary>Put this grain only on silos of the decode pool.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DecodePoolAttribute() : PlacementAttribute(new DecodePoolPlacement());

/// <summary>Put this grain only on silos with a worker role (an engine).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class EngineSiloAttribute() : PlacementAttribute(new EngineSiloPlacement());
