using System.Runtime.CompilerServices;
using System.Text;

namespace Dynamo.Orleans.Bench.Client;

/// <summary>
/// Reads a text/event-stream body as the WHATWG spec frames it: <c>data:</c> lines accumulate (joined by newlines) until a
/// blank line ends the event; comment lines (<c>:</c>) and other fields are skipped. The OpenAI stream ends with
/// <c>data: [DONE]</c>, which is returned like any other payload.
/// </summary>
public static class SseEventReader
{
    public static async IAsyncEnumerable<string> ReadDataAsync(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        var data = new StringBuilder();
        bool hasData = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData) yield return data.ToString();
                data.Clear();
                hasData = false;
                continue;
            }
            if (line[0] == ':') continue;
            int colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            if (field != "data") continue;
            var value = colon < 0 ? "" : line[(colon + 1)..];
            if (value.StartsWith(' ')) value = value[1..];
            if (hasData) data.Append('\n');
            data.Append(value);
            hasData = true;
        }
        // A stream cut without its final blank line still delivers what it carried.
        if (hasData) yield return data.ToString();
    }
}
