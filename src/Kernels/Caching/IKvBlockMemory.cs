namespace Dynamo.Orleans.Kernels.Caching;

/// <summary>Memory laid out as a <see cref="KvPoolLayout"/>: a worker's own pool, or a peer's pool mapped into this process.</summary>
public interface IKvBlockMemory
{
    KvPoolLayout Layout { get; }
    /// <summary>The first byte: a host pointer when <see cref="OnHost"/>, else a device pointer on <see cref="DeviceIndex"/>.</summary>
    nint Address { get; }
    bool OnHost { get; }
    int DeviceIndex { get; }
}
