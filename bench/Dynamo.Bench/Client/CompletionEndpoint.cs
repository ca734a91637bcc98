using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Client;

/// <summary>
/// The OpenAI-compatible server under test: sends one streaming <c>/v1/completions</c> request with a token-id prompt and
/// <c>ignore_eos</c> (so every answer has exactly the asked length) and times each streamed chunk as it arrives.
/// </summary>
public sealed class CompletionEndpoint : IDisposable
{
    private readonly HttpClient _http;

    public CompletionEndpoint(Uri baseAddress, TimeSpan requestTimeout)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            // One connection per stream in flight: HTTP/1.1 cannot interleave two streams on one connection.
            MaxConnectionsPerServer = 4096,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        })
        { BaseAddress = baseAddress, Timeout = requestTimeout };
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The served model's id from <c>/v1/models</c>, or null when the server lists none.</summary>
    public async Task<string?> FirstModelIdAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("v1/models", cancellationToken);
        if (!response.IsSuccessStatusCode) return null;
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return json.RootElement.TryGetProperty("data", out var data) && data.GetArrayLength() > 0 &&
               data[0].TryGetProperty("id", out var id) ? id.GetString() : null;
    }

    /// <summary>
    /// <c>/health</c>: 200 once the gateway has a decode worker; its body lists the registered prefill and decode workers,
    /// so a caller can wait for the whole deployment rather than its first worker.
    /// </summary>
    public async Task<GatewayHealth> HealthAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync("health", cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            int prefill = 0, decode = 0;
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("prefill_workers", out var p) && p.ValueKind == JsonValueKind.Array) prefill = p.GetArrayLength();
                if (json.RootElement.TryGetProperty("decode_workers", out var d) && d.ValueKind == JsonValueKind.Array) decode = d.GetArrayLength();
            }
            catch (JsonException) { }
            return new(response.StatusCode == HttpStatusCode.OK, prefill, decode);
        }
        catch (HttpRequestException) { return new(false, 0, 0); }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested) { return new(false, 0, 0); }
    }

    /// <summary>Runs one request to the end; failures become the record's error, never an exception (except cancellation).</summary>
    public async Task<RequestRecord> CompleteAsync(PlannedRequest request, string model, Stopwatch runClock, CancellationToken cancellationToken)
    {
        var started = runClock.Elapsed.TotalSeconds;
        var chunks = new List<double>(request.OutputTokens + 1);
        int? usageTokens = null, cachedTokens = null;
        string? finish = null, error = null;
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "v1/completions")
            {
                Content = new StringContent(RequestBody(request, model), Encoding.UTF8, "application/json"),
            };
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                error = $"HTTP {(int)response.StatusCode}: {Truncate(body)}";
            }
            else
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                bool done = false;
                await foreach (var data in SseEventReader.ReadDataAsync(stream, cancellationToken))
                {
                    var now = runClock.Elapsed.TotalSeconds;
                    if (data == "[DONE]") { done = true; break; }
                    var chunk = StreamedChunk.Parse(data);
                    if (chunk.Error is not null) { error = chunk.Error; break; }
                    if (chunk.CarriesToken) chunks.Add(now - started);
                    finish ??= chunk.FinishReason;
                    usageTokens = chunk.CompletionTokens ?? usageTokens;
                    cachedTokens = chunk.CachedTokens ?? cachedTokens;
                }
                if (!done && error is null) error = "stream ended without [DONE]";
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run's deadline or Ctrl-C: the request is recorded as lost, the caller decides whether to go on.
            error = "cancelled";
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or TaskCanceledException)
        {
            error = e is TaskCanceledException ? "timed out" : $"{e.GetType().Name}: {e.Message}";
        }
        return new RequestRecord
        {
            Class = request.Class, Session = request.Session, Turn = request.Turn, Warmup = request.Warmup,
            PromptTokens = request.Prompt.Length, ExpectedOutputTokens = request.OutputTokens,
            StartS = started,
            E2eS = runClock.Elapsed.TotalSeconds - started,
            TtftS = chunks.Count > 0 ? chunks[0] : null,
            OutputTokens = usageTokens ?? chunks.Count, CachedTokens = cachedTokens,
            FinishReason = finish, Error = error, ChunkTimesS = chunks,
        };
    }

    internal static string RequestBody(PlannedRequest request, string model)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", model);
            json.WriteStartArray("prompt");
            foreach (var id in request.Prompt) json.WriteNumberValue(id);
            json.WriteEndArray();
            json.WriteNumber("max_tokens", request.OutputTokens);
            // Greedy and EOS-blind: the answer length is the one planned, whatever the random weights make likely.
            json.WriteNumber("temperature", 0);
            json.WriteBoolean("ignore_eos", true);
            json.WriteBoolean("stream", true);
            json.WriteStartObject("stream_options");
            json.WriteBoolean("include_usage", true);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300] + "…";

    public void Dispose() => _http.Dispose();
}
