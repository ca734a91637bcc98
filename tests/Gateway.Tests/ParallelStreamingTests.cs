using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Dynamo.Orleans.Gateway.Tests;

[Collection(nameof(GatewayCluster))]
public sealed class ParallelStreamingTests(GatewayClusterFixture fixture)
{
    [Fact]
    public async Task Two_hundred_parallel_streams_all_complete_with_the_greedy_output_of_their_prompt()
    {
        const int Requests = 200, Prompts = 20, MaxTokens = 8;
        var ids = Enumerable.Range(0, Prompts).Select(p => Enumerable.Range(0, 6 + p % 9).Select(i => (i * 7919 + p * 104729 + 11) % 50000).ToArray()).ToArray();
        var expected = new string[Prompts];
        for (int p = 0; p < Prompts; p++)
        {
            using var whole = await fixture.Http.PostAsJsonAsync("v1/completions", new { model = fixture.Model, prompt = ids[p], max_tokens = MaxTokens, temperature = 0 });
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            expected[p] = (string)JsonNode.Parse(await whole.Content.ReadAsStringAsync())!["choices"]![0]!["text"]!;
        }

        var results = await Task.WhenAll(Enumerable.Range(0, Requests).Select(async r =>
        {
            using var response = await fixture.Http.PostAsJsonAsync("v1/completions", new
            {
                model = fixture.Model, prompt = ids[r % Prompts], max_tokens = MaxTokens, temperature = 0, stream = true,
                stream_options = new { include_usage = true },
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var events = ServerSentEventFrames.Events(await response.Content.ReadAsByteArrayAsync());
            var text = new StringBuilder();
            foreach (var e in events.SkipLast(1)) text.Append((string)e["choices"]![0]!["text"]!);
            return (Text: text.ToString(), Finish: (string?)events[^2]["choices"]![0]!["finish_reason"], Tokens: (int)events[^1]["usage"]!["completion_tokens"]!);
        }));

        for (int r = 0; r < Requests; r++)
        {
            Assert.Equal(expected[r % Prompts], results[r].Text);
            Assert.Equal(MaxTokens, results[r].Tokens);
            Assert.Equal("length", results[r].Finish);
        }
    }
}
