namespace Dynamo.Orleans.Grains.Tests.Transfer;

/// <summary>The system clock moved by <see cref="Offset"/>: a lease expires when a test says so, not after a sleep.</summary>
internal sealed class ShiftedTimeProvider : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
