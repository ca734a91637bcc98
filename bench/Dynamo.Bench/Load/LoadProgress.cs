using System.Globalization;

namespace Dynamo.Orleans.Bench.Load;

/// <summary>
/// A live progress line on stderr: rewritten in place on a terminal, one line every few seconds otherwise (CI logs).
/// Counts are updated from many request tasks at once, hence the interlocked fields.
/// </summary>
public sealed class LoadProgress : IAsyncDisposable
{
    private readonly string _label;
    private readonly int _expected;
    private readonly DateTime _start = DateTime.UtcNow;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly bool _interactive = !Console.IsErrorRedirected;
    private int _done, _inFlight, _errors;
    private long _tokens;

    public LoadProgress(string label, int expectedForeground)
    {
        _label = label;
        _expected = expectedForeground;
        _loop = Task.Run(LoopAsync);
    }

    private int _foregroundDone;

    public void Started() => Interlocked.Increment(ref _inFlight);

    public void Finished(int tokens, bool failed, bool foreground)
    {
        Interlocked.Decrement(ref _inFlight);
        Interlocked.Increment(ref _done);
        Interlocked.Add(ref _tokens, tokens);
        if (failed) Interlocked.Increment(ref _errors);
        if (foreground) Interlocked.Increment(ref _foregroundDone);
    }

    private string Line()
    {
        double elapsed = (DateTime.UtcNow - _start).TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"  {_label}: {Volatile.Read(ref _foregroundDone)}/{_expected} measured, {Volatile.Read(ref _done)} done in all, " +
            $"{Volatile.Read(ref _inFlight)} in flight, {Volatile.Read(ref _errors)} errors, " +
            $"{Interlocked.Read(ref _tokens) / Math.Max(elapsed, 1e-3):F0} tok/s, {elapsed:F0} s");
    }

    private async Task LoopAsync()
    {
        var period = _interactive ? TimeSpan.FromMilliseconds(500) : TimeSpan.FromSeconds(10);
        try
        {
            while (true)
            {
                await Task.Delay(period, _stop.Token);
                if (_interactive) Console.Error.Write("\r" + Line().PadRight(Console.WindowWidth > 0 ? Console.WindowWidth - 1 : 0));
                else Console.Error.WriteLine(Line());
            }
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        if (_interactive) Console.Error.Write("\r");
        Console.Error.WriteLine(Line());
        _stop.Dispose();
    }
}
