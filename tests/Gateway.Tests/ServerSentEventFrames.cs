using System.Text;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>Splits a whole SSE body into its <c>data:</c> payloads, failing on any byte that is not OpenAI's framing.</summary>
internal static class ServerSentEventFrames
{
    public static IReadOnlyList<string> Split(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        Assert.EndsWith("data: [DONE]\n\n", text);
        var frames = new List<string>();
        int at = 0;
        while (at < text.Length)
        {
            Assert.True(text.AsSpan(at).StartsWith("data: "), $"frame at byte {at} does not start with 'data: ': {text[at..Math.Min(text.Length, at + 40)]}");
            int end = text.IndexOf("\n\n", at, StringComparison.Ordinal);
            Assert.True(end > at, "frame without its blank line");
            var payload = text[(at + 6)..end];
            Assert.DoesNotContain('\n', payload);
            frames.Add(payload);
            at = end + 2;
        }
        Assert.Equal("[DONE]", frames[^1]);
        return frames;
    }

    public static IReadOnlyList<JsonObject> Events(byte[] body) =>
        Split(body).SkipLast(1).Select(f => JsonNode.Parse(f)!.AsObject()).ToList();
}
