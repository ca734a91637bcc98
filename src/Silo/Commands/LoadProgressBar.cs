using System.Diagnostics;
using Dynamo.Orleans.Kernels.Checkpoints;

namespace Dynamo.Orleans.Silo.Commands;

/// <summary>A one-line progress display on stderr for checkpoints big enough to make a user wait (over 200 MB).</summary>
internal sealed class LoadProgressBar : IProgress<CheckpointLoadProgress>
{
    private const long Threshold = 200L * 1024 * 1024;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawMs = -1000;
    private bool _drawn;

    public void Report(CheckpointLoadProgress value)
    {
        if (value.TotalBytes < Threshold) return;
        bool done = value.BytesLoaded >= value.TotalBytes;
        if (!done && _clock.ElapsedMilliseconds - _lastDrawMs < 100) return;
        _lastDrawMs = _clock.ElapsedMilliseconds;
        int width = 30, filled = (int)(width * value.Fraction);
        Console.Error.Write($"\rloading [{new string('#', filled)}{new string('.', width - filled)}] " +
                            $"{value.BytesLoaded / 1048576.0,7:F0}/{value.TotalBytes / 1048576.0:F0} MiB");
        _drawn = true;
        if (done) Finish();
    }

    public void Finish()
    {
        if (!_drawn) return;
        Console.Error.WriteLine();
        _drawn = false;
    }
}
