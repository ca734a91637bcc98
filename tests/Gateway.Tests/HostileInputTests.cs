using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>
/// Malformed requests against the OpenAI endpoints, generated from valid bodies by a seeded mutator: whatever a client
/// sends, the answer is a 4xx in OpenAI's error shape (or a success when the mutation left a valid request), never a
/// 5xx or a hang, and the server serves normally afterwards with every KV block back.
/// </summary>
[Collection(nameof(GatewayCluster))]
public sealed class HostileInputTests(GatewayClusterFixture fixture)
{
    private const int Seed = 20261201;

    private static readonly JsonNode?[] OddValues =
    [
        null, true, false, 0, -1, 1, 2, 0.5, -0.0, 1e308, -1e308, JsonValue.Create(9223372036854775807L), JsonNode.Parse("9223372036854775808"),
        JsonNode.Parse("18446744073709551616"), JsonNode.Parse("1e400"), "", "tool", "function", "NaN", "Infinity", "-Infinity", "1", "true", "null", "\u0000", "\ud800",
        new JsonArray(), new JsonObject(), new JsonArray((JsonNode?)null), new JsonArray(1, "a", null), new JsonObject { ["type"] = null },
        new JsonObject { ["role"] = "user", ["content"] = null }, new JsonObject { ["role"] = 5 }, new JsonArray(new JsonArray(1, 2), new JsonArray(3)),
        new JsonArray(-1), new JsonArray(1.5), new JsonArray(2147483648L), new JsonArray(new JsonObject { ["type"] = "text", ["text"] = 5 }),
        new JsonArray(new JsonObject { ["type"] = "image_url" }), new JsonObject { ["include_usage"] = "yes" }, new JsonObject { ["a"] = 1 },
    ];

    // Both token limits: a chat request with neither may fill the context window (OpenAI's default), and one mutation
    // removes or spoils only one of them, so every request stays short.
    private static JsonObject ValidChat() => new()
    {
        ["model"] = "MODEL", ["max_tokens"] = 2, ["max_completion_tokens"] = 2, ["temperature"] = 0,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "system", ["content"] = "Be brief." },
                                     new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "Hi" }) }),
        ["stop"] = new JsonArray("\n"), ["logprobs"] = true, ["top_logprobs"] = 1, ["seed"] = 3, ["stream"] = false,
    };

    private static JsonObject ValidCompletion() => new()
    {
        ["model"] = "MODEL", ["prompt"] = new JsonArray(1, 2, 3), ["max_tokens"] = 2, ["temperature"] = 0, ["top_p"] = 1, ["logprobs"] = 1,
        ["stop"] = "x", ["stream"] = true, ["stream_options"] = new JsonObject { ["include_usage"] = true }, ["n"] = 1, ["logit_bias"] = new JsonObject(),
    };

    /// <summary>One mutation of a valid body: a value replaced at any depth, a field dropped or added, or the body itself broken.</summary>
    private static (string Path, byte[] Body, string ContentType) Mutate(Random random, string model)
    {
        bool chat = random.Next(2) == 0;
        var body = chat ? ValidChat() : ValidCompletion();
        body["model"] = model;
        var nodes = new List<(JsonNode Parent, object Key)>();
        Collect(body, nodes);
        int kind = random.Next(10);
        if (kind <= 5)
        {
            var (parent, key) = nodes[random.Next(nodes.Count)];
            var value = OddValues[random.Next(OddValues.Length)]?.DeepClone();
            if (parent is JsonObject o) o[(string)key] = value; else ((JsonArray)parent)[(int)key] = value;
        }
        else if (kind == 6)
        {
            var (parent, key) = nodes[random.Next(nodes.Count)];
            if (parent is JsonObject o) o.Remove((string)key); else ((JsonArray)parent).RemoveAt((int)key);
        }
        else if (kind == 7) body["unknown_" + random.Next(100)] = OddValues[random.Next(OddValues.Length)]?.DeepClone();
        var text = Encoding.UTF8.GetBytes(body.ToJsonString());
        var contentType = "application/json";
        if (kind == 8)
        {
            text = random.Next(6) switch
            {
                0 => text[..random.Next(text.Length)],                                           // truncated
                1 => [.. text[..(text.Length / 2)], 0xC3, 0x28, .. text[(text.Length / 2)..]],    // invalid UTF-8
                2 => Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)),      // deep nesting
                3 => [],                                                                          // empty
                4 => Encoding.UTF8.GetBytes("model=x&prompt=y"),                                  // not JSON
                _ => Encoding.UTF8.GetBytes("{\"model\": \"" + new string('a', 200_000) + "\"}"), // huge string
            };
        }
        if (kind == 9) contentType = random.Next(2) == 0 ? "text/plain" : "application/x-www-form-urlencoded";
        return (chat ? "v1/chat/completions" : "v1/completions", text, contentType);
    }

    private static void Collect(JsonNode node, List<(JsonNode, object)> into)
    {
        if (node is JsonObject o)
            foreach (var (key, child) in o.ToList())
            {
                into.Add((o, key));
                if (child is not null) Collect(child, into);
            }
        else if (node is JsonArray a)
            for (int i = 0; i < a.Count; i++)
            {
                into.Add((a, i));
                if (a[i] is { } child) Collect(child, into);
            }
    }

    [Fact]
    public async Task Thousands_of_mutated_requests_get_4xx_in_OpenAIs_shape_never_5xx_and_the_server_serves_on()
    {
        var random = new Random(Seed);
        var failures = new List<string>();
        int ok = 0, refused = 0;
        using var http = new HttpClient { BaseAddress = fixture.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        var requests = Enumerable.Range(0, 2000).Select(_ => Mutate(random, fixture.Model)).ToList();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (r, ct) =>
        {
            using var content = new ByteArrayContent(r.Body);
            content.Headers.TryAddWithoutValidation("Content-Type", r.ContentType);
            HttpResponseMessage response;
            try
            {
                response = await http.PostAsync(r.Path, content, ct);
            }
            catch (Exception e)
            {
                lock (failures) failures.Add($"{r.Path} {Show(r.Body)}: no answer ({e.GetType().Name}: {e.Message})");
                return;
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                var status = (int)response.StatusCode;
                string? problem = status >= 500 ? $"status {status}"
                    : status >= 400 && !IsOpenAIError(text) ? $"status {status} without an OpenAI error body"
                    : r.ContentType != "application/json" && status != 415 ? $"status {status} for a {r.ContentType} body (expected 415)"
                    : null;
                lock (failures)
                {
                    if (problem is not null) failures.Add($"{r.Path} {r.ContentType} {Show(r.Body)}: {problem}: {text[..Math.Min(300, text.Length)]}");
                    else if (status < 300) ok++;
                    else refused++;
                }
            }
        });
        Assert.True(failures.Count == 0, $"{failures.Count} bad answers, e.g.:\n" + string.Join("\n", failures.Distinct().Take(15)));
        Assert.True(refused > 1000, $"only {refused} of 2000 mutations were refused: the mutator is too gentle");

        // Afterwards: a valid request works, and every block is back.
        var valid = new StringContent($$"""{"model": "{{fixture.Model}}", "prompt": "Hello", "max_tokens": 3}""", Encoding.UTF8, "application/json");
        using var answer = await http.PostAsync("v1/completions", valid);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        await Eventually.True(async () => (await fixture.DecodeWorker()).UsedBlocks == 0, "KV blocks went back to 0 after the hostile requests");
    }

    [Theory]
    [InlineData("GET", "v1/chat/completions")]
    [InlineData("PUT", "v1/completions")]
    [InlineData("DELETE", "v1/chat/completions")]
    [InlineData("POST", "v1/models")]
    public async Task A_wrong_method_is_405_with_an_OpenAI_error_body(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.True(response.Content.Headers.Contains("Allow") || response.Headers.Contains("Allow"), "405 names the allowed methods");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(IsOpenAIError(body), body);
    }

    [Theory]
    [InlineData("length")]
    [InlineData("chunked")]
    public async Task Broken_framing_is_a_4xx(string framing)
    {
        var json = $$"""{"model": "{{fixture.Model}}", "prompt": "Hello", "max_tokens": 2}""";
        var head = $"POST /v1/completions HTTP/1.1\r\nHost: {fixture.BaseAddress.Authority}\r\nContent-Type: application/json\r\nConnection: close\r\n";
        // A body shorter than its Content-Length (the client then stalls: the server must give up on it, not wait
        // forever), or a chunk size that is not hex.
        var raw = framing == "length"
            ? head + $"Content-Length: {json.Length + 40}\r\n\r\n{json}"
            : head + "Transfer-Encoding: chunked\r\n\r\n" + "zz\r\n" + json + "\r\n0\r\n\r\n";
        using var client = new TcpClient();
        await client.ConnectAsync(fixture.BaseAddress.Host, fixture.BaseAddress.Port);
        using var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(raw));
        using var reader = new StreamReader(stream);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(response.Split(' ')[1]);
        Assert.True(status is >= 400 and < 500, response);
    }

    private static bool IsOpenAIError(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
                   && error.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Show(byte[] body) => body.Length > 200 ? Encoding.UTF8.GetString(body[..200]) + "…" : Encoding.UTF8.GetString(body);
}
