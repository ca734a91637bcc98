using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Dynamo.Orleans.Bench.Tests.Client;

/// <summary>
/// A real HTTP server on loopback that answers like the gateway does: <c>/v1/completions</c> streams one SSE chunk per
/// token of <c>max_tokens</c> (then a finish chunk, a usage chunk and <c>[DONE]</c>), <c>/health</c> and <c>/v1/models</c>.
/// <see cref="Respond"/> replaces the completion stream for tests of broken or unusual streams.
/// </summary>
public sealed class SseTestServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private readonly List<JsonDocument> _requests = [];

    public SseTestServer(Func<JsonElement, HttpListenerResponse, Task>? respond = null)
    {
        Respond = respond ?? StreamTokens;
        int port;
        // HttpListener takes a prefix, not port 0: find a free port the way the benchmark does.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptLoop);
    }

    public Uri BaseAddress { get; }
    public Func<JsonElement, HttpListenerResponse, Task> Respond { get; }

    public IReadOnlyList<JsonElement> Requests
    {
        get { lock (_requests) return _requests.Select(d => d.RootElement).ToList(); }
    }

    private async Task AcceptLoop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            _ = Task.Run(() => Serve(context));
        }
    }

    private async Task Serve(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            switch (context.Request.Url!.AbsolutePath)
            {
                case "/health":
                    await Write(response, """{"status":"healthy","message":null,"model":"bench-model","max_model_len":512,"prefill_workers":[{"worker_id":"p"}],"decode_workers":[{"worker_id":"d0"},{"worker_id":"d1"}]}""");
                    break;
                case "/v1/models":
                    await Write(response, """{"object":"list","data":[{"id":"bench-model","object":"model"}]}""");
                    break;
                case "/v1/completions":
                    var body = JsonDocument.Parse(await new StreamReader(context.Request.InputStream).ReadToEndAsync());
                    lock (_requests) _requests.Add(body);
                    await Respond(body.RootElement, response);
                    break;
                default:
                    response.StatusCode = 404;
                    break;
            }
        }
        finally
        {
            try { response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { }
        }
    }

    /// <summary>The gateway's normal stream: token chunks, a finish chunk, the usage chunk, [DONE] — each frame flushed on its own.</summary>
    public static async Task StreamTokens(JsonElement request, HttpListenerResponse response)
    {
        int tokens = request.GetProperty("max_tokens").GetInt32();
        response.ContentType = "text/event-stream";
        response.SendChunked = true;
        var output = response.OutputStream;
        for (int i = 0; i < tokens; i++)
            await Frame(output, $$"""{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" t{{i}}","finish_reason":null}]}""");
        await Frame(output, """{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":"","finish_reason":"length"}]}""");
        int prompt = request.GetProperty("prompt").GetArrayLength();
        await Frame(output, $$$"""{"id":"cmpl-1","object":"text_completion","choices":[],"usage":{"prompt_tokens":{{{prompt}}},"completion_tokens":{{{tokens}}},"total_tokens":{{{prompt + tokens}}}}}""");
        await Frame(output, "[DONE]");
    }

    public static async Task Frame(Stream output, string data)
    {
        var bytes = Encoding.UTF8.GetBytes($"data: {data}\n\n");
        await output.WriteAsync(bytes);
        await output.FlushAsync();
    }

    private static async Task Write(HttpListenerResponse response, string json)
    {
        response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(json);
        await response.OutputStream.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
        lock (_requests) foreach (var d in _requests) d.Dispose();
    }
}
