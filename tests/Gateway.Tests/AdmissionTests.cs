using System.Net;
using System.Net.Http.Json;

namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>A saturated gateway refuses with 429 and Retry-After instead of queueing without bound.</summary>
[Collection(nameof(GatewayCluster))]
public sealed class AdmissionTests(GatewayClusterFixture fixture)
{
    private object LongStream => new
    {
        model = fixture.Model, prompt = "Keep going", max_tokens = 1500, ignore_eos = true, temperature = 0, stream = true,
    };

    private object Short => new { model = fixture.Model, prompt = "Hi", max_tokens = 2 };

    [Fact]
    public async Task Beyond_the_running_and_queued_bounds_requests_get_429_with_retry_after()
    {
        await using var gateway = await fixture.StartGatewayAsync(o =>
        {
            o.MaxConcurrentRequests = 1;
            o.MaxQueuedRequests = 0;
            o.RetryAfter = TimeSpan.FromSeconds(2);
        });
        using var http = GatewayClusterFixture.NewHttpClient(gateway);
        string id;
        await using (var running = await StreamingWire.OpenAsync(http, "v1/completions", LongStream))
        {
            id = (string)(await running.NextAsync())!["id"]!; // admitted and generating
            var (status, error, response) = await ErrorMappingTests.Send(http, "v1/completions", JsonContent.Create(Short));
            Assert.Equal(HttpStatusCode.TooManyRequests, status);
            Assert.Equal("server_saturated", (string)error["code"]!);
            Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter!.Delta);
        }
        // The slot comes back once the first client has gone and its sequence has ended. (That a disconnect cancels the
        // sequence is DisconnectTests' business; here a loaded machine may even let it finish first, which frees the slot too.)
        await Eventually.True(async () => (await fixture.Cluster.Client.GetGrain<ISequenceGrain>(id).GetStatus()).State
                is SequenceState.Cancelled or SequenceState.Finished, "the abandoned sequence has ended", timeoutSeconds: 90);
        await Eventually.True(async () => (await http.PostAsJsonAsync("v1/completions", Short)).StatusCode == HttpStatusCode.OK, "a slot is free again", timeoutSeconds: 90);
    }

    [Fact]
    public async Task A_queued_request_waits_at_most_the_queue_timeout()
    {
        await using var gateway = await fixture.StartGatewayAsync(o =>
        {
            o.MaxConcurrentRequests = 1;
            o.MaxQueuedRequests = 1;
            o.QueueTimeout = TimeSpan.FromMilliseconds(300);
        });
        using var http = GatewayClusterFixture.NewHttpClient(gateway);
        await using var running = await StreamingWire.OpenAsync(http, "v1/completions", LongStream);
        await running.NextAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (status, _, response) = await ErrorMappingTests.Send(http, "v1/completions", JsonContent.Create(Short));
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(250), $"refused after {clock.Elapsed}: it should have queued");
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
