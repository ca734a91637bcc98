using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OpenAI.Chat;

namespace Dynamo.Orleans.Gateway.Tests;

[Collection(nameof(GatewayCluster))]
public sealed class ProbesAndMetricsTests(GatewayClusterFixture fixture)
{
    [Fact]
    public async Task Live_answers_and_health_lists_the_workers_once_a_decode_worker_is_registered()
    {
        Assert.Equal(HttpStatusCode.OK, (await fixture.Http.GetAsync("live")).StatusCode);
        using var response = await fixture.Http.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("healthy", (string)health["status"]!);
        Assert.Equal(fixture.Model, (string)health["model"]!);
        var decode = health["decode_workers"]!.AsArray().Single()!;
        Assert.Equal("decode", (string)decode["role"]!);
        Assert.Equal(GatewayClusterFixture.KvBlocks, (int)decode["total_blocks"]!);
        Assert.Single(health["prefill_workers"]!.AsArray());
    }

    [Fact]
    public async Task Models_lists_the_served_model_through_the_sdk()
    {
        var models = (await fixture.OpenAI().GetOpenAIModelClient().GetModelsAsync()).Value;
        Assert.Equal(fixture.Model, models.Single().Id);
        Assert.Equal(fixture.Model, (await fixture.OpenAI().GetOpenAIModelClient().GetModelAsync(fixture.Model)).Value.Id);
        using var listed = await fixture.Http.GetAsync("v1/models");
        var card = JsonNode.Parse(await listed.Content.ReadAsStringAsync())!["data"]![0]!;
        Assert.Equal("model", (string)card["object"]!);
        Assert.Equal(GatewayClusterFixture.ContextWindow, (int)card["max_model_len"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Http.GetAsync("v1/models/gpt-4o")).StatusCode);
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_with_latencies_tokens_load_and_kv_blocks()
    {
        await fixture.OpenAI().GetChatClient(fixture.Model).CompleteChatAsync([new UserChatMessage("Measure me")], new ChatCompletionOptions { MaxOutputTokenCount = 4 });
        using var bad = await fixture.Http.PostAsJsonAsync("v1/chat/completions", new { model = "nope", messages = new[] { new { role = "user", content = "x" } } });
        using var response = await fixture.Http.GetAsync("metrics");
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n');
        string model = $"model=\"{fixture.Model}\"";
        Assert.Contains("# TYPE dynamo_frontend_time_to_first_token_seconds histogram", lines);
        Assert.Contains("# TYPE dynamo_frontend_inter_token_latency_seconds histogram", lines);
        Assert.Contains("# TYPE dynamo_frontend_request_duration_seconds histogram", lines);
        Assert.Contains("# TYPE dynamo_frontend_input_tokens_total counter", lines);
        Assert.Contains("# TYPE dynamo_frontend_output_tokens_total counter", lines);
        Assert.Contains(lines, l => l.StartsWith("dynamo_frontend_time_to_first_token_seconds_bucket{le=\"+Inf\"," + model + "}", StringComparison.Ordinal)
                                    || l.StartsWith("dynamo_frontend_time_to_first_token_seconds_bucket{" + model + ",le=\"+Inf\"}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("dynamo_frontend_output_tokens_total{" + model + "} ", StringComparison.Ordinal) && double.Parse(l.Split(' ')[1]) >= 4);
        Assert.Contains("dynamo_frontend_inflight_requests 0", lines);
        Assert.Contains("dynamo_frontend_queued_requests 0", lines);
        Assert.Contains(lines, l => l.StartsWith("dynamo_frontend_requests_total{endpoint=\"chat_completions\",status=\"404\"}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("dynamo_worker_kv_blocks_total{role=\"decode\",worker=", StringComparison.Ordinal) && l.EndsWith($" {GatewayClusterFixture.KvBlocks}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("dynamo_worker_kv_blocks_used{role=\"decode\",worker=", StringComparison.Ordinal));
        // The gateway shares this process with the silo here, so the fabric's own meter is exported too.
        Assert.Contains("# TYPE dynamo_sequence_time_to_first_token_seconds histogram", lines);
    }
}
