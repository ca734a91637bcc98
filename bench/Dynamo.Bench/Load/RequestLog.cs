using System.Text.Json;
using Dynamo.Orleans.Bench.Client;

namespace Dynamo.Orleans.Bench.Load;

/// <summary>Per-request records as JSON Lines, one object per completed request, written as they complete (a crash keeps what ran).</summary>
public sealed class RequestLog : IDisposable
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly StreamWriter? _writer;
    private readonly Lock _lock = new();

    public RequestLog(string? path, string label)
    {
        Label = label;
        if (path is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(path, append: true) { AutoFlush = false };
    }

    public string Label { get; }

    public void Append(RequestRecord record)
    {
        if (_writer is null) return;
        var line = JsonSerializer.Serialize(new { run = Label, record }, Json);
        lock (_lock) _writer.WriteLine(line);
    }

    public void Dispose()
    {
        lock (_lock) _writer?.Dispose();
    }
}
