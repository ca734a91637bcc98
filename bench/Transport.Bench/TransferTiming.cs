using System.Diagnostics;

namespace Dynamo.Orleans.Transport.Bench;

/// <summary>The median of several timed transfers of one size, after one untimed warm-up (first-touch page faults, JIT).</summary>
internal static class TransferTiming
{
    public static async Task<double> MedianSecondsAsync(int repetitions, Func<Task> transfer)
    {
        await transfer();
        var seconds = new double[repetitions];
        for (int i = 0; i < repetitions; i++)
        {
            var clock = Stopwatch.StartNew();
            await transfer();
            seconds[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(seconds);
        return repetitions % 2 == 1 ? seconds[repetitions / 2] : (seconds[repetitions / 2 - 1] + seconds[repetitions / 2]) / 2;
    }

    /// <summary>Fewer repetitions for bigger transfers keeps a whole run near half a minute.</summary>
    public static int RepetitionsFor(long bytes) => bytes switch
    {
        <= 8 << 20 => 21,
        <= 64 << 20 => 9,
        _ => 5,
    };
}
