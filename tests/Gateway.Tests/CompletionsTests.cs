using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>Legacy completions over raw HTTP (the .NET SDK has no legacy completions client).</summary>
[Collection(nameof(GatewayCluster))]
public sealed class CompletionsTests(GatewayClusterFixture fixture)
{
    private static readonly int[] PromptIds = [464, 3139, 286, 4881, 318, 6342, 13, 383, 3139];

    private async Task<JsonObject> Complete(object body)
    {
        using var response = await fixture.Http.PostAsJsonAsync("v1/completions", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    [Fact]
    public async Task A_token_id_prompt_completes_with_usage_counting_those_ids()
    {
        var result = await Complete(new { model = fixture.Model, prompt = PromptIds, max_tokens = 7, temperature = 0 });
        Assert.StartsWith("cmpl-", (string)result["id"]!);
        Assert.Equal("text_completion", (string)result["object"]!);
        Assert.Equal(fixture.Model, (string)result["model"]!);
        var choice = result["choices"]![0]!;
        Assert.Equal(0, (int)choice["index"]!);
        Assert.Equal("length", (string)choice["finish_reason"]!);
        Assert.Null(choice["logprobs"]);
        var usage = result["usage"]!;
        Assert.Equal(PromptIds.Length, (int)usage["prompt_tokens"]!);
        Assert.Equal(7, (int)usage["completion_tokens"]!);
        Assert.Equal(PromptIds.Length + 7, (int)usage["total_tokens"]!);

        // The same prompt as an array holding one token-id array is the same request.
        var nested = await Complete(new { model = fixture.Model, prompt = new[] { PromptIds }, max_tokens = 7, temperature = 0 });
        Assert.Equal((string)choice["text"]!, (string)nested["choices"]![0]!["text"]!);
    }

    [Fact]
    public async Task Streamed_text_equals_the_whole_completion()
    {
        var whole = await Complete(new { model = fixture.Model, prompt = "Once upon a time", max_tokens = 10, temperature = 0 });
        using var response = await fixture.Http.PostAsJsonAsync("v1/completions",
            new { model = fixture.Model, prompt = "Once upon a time", max_tokens = 10, temperature = 0, stream = true, stream_options = new { include_usage = true } });
        var events = ServerSentEventFrames.Events(await response.Content.ReadAsByteArrayAsync());
        var text = new StringBuilder();
        foreach (var e in events.SkipLast(1)) text.Append((string)e["choices"]![0]!["text"]!);
        Assert.Equal((string)whole["choices"]![0]!["text"]!, text.ToString());
        Assert.Equal("length", (string)events[^2]["choices"]![0]!["finish_reason"]!);
        Assert.Empty(events[^1]["choices"]!.AsArray());
        Assert.Equal(10, (int)events[^1]["usage"]!["completion_tokens"]!);
        Assert.All(events, e => Assert.Equal((string)events[0]["id"]!, (string)e["id"]!));
    }

    [Fact]
    public async Task Logprobs_use_the_legacy_parallel_arrays()
    {
        var result = await Complete(new { model = fixture.Model, prompt = PromptIds, max_tokens = 4, temperature = 0, logprobs = 2 });
        var logprobs = result["choices"]![0]!["logprobs"]!;
        Assert.Equal(4, logprobs["tokens"]!.AsArray().Count);
        Assert.Equal(4, logprobs["token_logprobs"]!.AsArray().Count);
        Assert.Equal(4, logprobs["text_offset"]!.AsArray().Count);
        Assert.Equal(0, (int)logprobs["text_offset"]![0]!);
        var top = logprobs["top_logprobs"]!.AsArray();
        Assert.Equal(4, top.Count);
        Assert.All(top, t => Assert.InRange(t!.AsObject().Count, 1, 2));
    }
}
