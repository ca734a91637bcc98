using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>An SSE response read event by event as it arrives, for tests that act mid-stream.</summary>
internal sealed class StreamingWire : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private StreamingWire(HttpResponseMessage response, StreamReader reader) => (_response, _reader) = (response, reader);

    public System.Net.HttpStatusCode Status => _response.StatusCode;

    public static async Task<StreamingWire> OpenAsync(HttpClient http, string path, object body, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return new StreamingWire(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken)));
    }

    /// <summary>The next event's JSON, or null at <c>[DONE]</c>.</summary>
    public async Task<JsonObject?> NextAsync()
    {
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0) continue;
            Assert.StartsWith("data: ", line);
            var data = line["data: ".Length..];
            return data == "[DONE]" ? null : JsonNode.Parse(data)!.AsObject();
        }
        throw new EndOfStreamException("the stream ended without [DONE]");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
