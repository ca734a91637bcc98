using System.Diagnostics;

namespace Dynamo.Orleans.Transport.Bench;

/// <summary>Medians of timed transfers of one size, after one untimed warm-up (first-touch page faults, JIT).</summary>
internal static class TransferTiming
{
    /// <summary>
    /// The medians of several ways of moving the same bytes, measured in turns (one of each per round) so that whatever
    /// else the machine does at the time falls on all of them alike: their ratios are what the run is for.
    /// </summary>
    public static async Task<double[]> InterleavedMediansAsync(int repetitions, params Func<Task>[] transfers)
    {
        foreach (var transfer in transfers) await transfer(); // warm-up: first-touch page faults, JIT, connections
        var seconds = transfers.Select(_ => new double[repetitions]).ToArray();
        for (int i = 0; i < repetitions; i++)
            for (int t = 0; t < transfers.Length; t++)
            {
                var clock = Stopwatch.StartNew();
                await transfers[t]();
                seconds[t][i] = clock.Elapsed.TotalSeconds;
            }
        return seconds.Select(s =>
        {
            Array.Sort(s);
            return repetitions % 2 == 1 ? s[repetitions / 2] : (s[repetitions / 2 - 1] + s[repetitions / 2]) / 2;
        }).ToArray();
    }

    /// <summary>Fewer repetitions for bigger transfers keeps a whole run near half a minute.</summary>
    public static int RepetitionsFor(long bytes) => bytes switch
    {
        <= 8 << 20 => 31,
        <= 64 << 20 => 15,
        _ => 7,
    };
}
