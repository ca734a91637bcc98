namespace Dynamo.Orleans.Grains.Sequences;

/// <summary>
/// Applies OpenAI-style stop strings to streamed text: text is released only once it cannot be the start of a stop
/// string, and when one appears the output ends right before it (the stop string itself is never sent).
/// </summary>
public sealed class StopStringMatcher(IReadOnlyList<string> stops)
{
    private readonly string[] _stops = stops.Where(s => s.Length > 0).ToArray();
    private string _held = "";

    public bool Stopped { get; private set; }

    /// <summary>Adds new text; returns what may be sent now.</summary>
    public string Push(string text)
    {
        if (Stopped) return "";
        if (_stops.Length == 0) return text;
        var pending = _held + text;
        int cut = -1;
        foreach (var stop in _stops)
        {
            int at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0)
        {
            Stopped = true;
            _held = "";
            return pending[..cut];
        }
        // Hold back the longest tail that could still grow into a stop string.
        int keep = 0;
        foreach (var stop in _stops)
            for (int n = Math.Min(stop.Length - 1, pending.Length); n > keep; n--)
                if (pending.AsSpan(pending.Length - n).SequenceEqual(stop.AsSpan(0, n))) { keep = n; break; }
        _held = pending[^keep..];
        return pending[..^keep];
    }

    /// <summary>The end of the sequence: whatever was held back is text after all.</summary>
    public string Flush()
    {
        var rest = Stopped ? "" : _held;
        _held = "";
        return rest;
    }
}
