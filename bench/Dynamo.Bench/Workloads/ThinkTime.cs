using System.Globalization;

namespace Dynamo.Orleans.Bench.Workloads;

/// <summary>
/// The pause of a user before sending a turn (reading the last answer, typing), drawn uniformly from [Min, Max] (Min = Max:
/// fixed). Written on the command line in milliseconds as <c>750</c> or <c>500-1000</c>; <c>0</c> is no pause. It matters
/// to a router: a conversation's next turn arrives after its previous one has left the worker, as in real chat traffic,
/// and the worker has meanwhile served other users. And it sets the offered load of a closed loop: with pauses long
/// against the service time, users ask at the same pace whatever the server, so deployments compare at equal throughput.
/// </summary>
public sealed record ThinkTime(TimeSpan Min, TimeSpan Max)
{
    public static ThinkTime None { get; } = new(TimeSpan.Zero, TimeSpan.Zero);

    public bool IsNone => Max <= TimeSpan.Zero;

    /// <summary>The mean pause, for estimates and reports.</summary>
    public TimeSpan Mean => (Min + Max) / 2;

    public TimeSpan Draw(Random random) =>
        Min == Max ? Min : Min + TimeSpan.FromTicks((long)(random.NextDouble() * (Max - Min).Ticks));

    public static ThinkTime Parse(string text)
    {
        var parts = text.Trim().Split('-', 2);
        if (parts.Length == 1 || parts[1].Length > 0)
        {
            if (Milliseconds(parts[0]) is { } min && (parts.Length == 1 ? min : Milliseconds(parts[1])) is { } max)
            {
                return min <= max ? new(TimeSpan.FromMilliseconds(min), TimeSpan.FromMilliseconds(max))
                                  : throw new ArgumentException($"think time '{text}': min above max");
            }
        }
        throw new ArgumentException($"think time '{text}' is not MS or MIN-MAX (milliseconds, e.g. 750 or 500-1000)");

        static int? Milliseconds(string s) => int.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int ms) ? ms : null;
    }

    public override string ToString() => IsNone ? "no think time"
        : Min == Max ? string.Create(CultureInfo.InvariantCulture, $"think time {Min.TotalMilliseconds:0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"think time uniform {Min.TotalMilliseconds:0}-{Max.TotalMilliseconds:0} ms");
}
