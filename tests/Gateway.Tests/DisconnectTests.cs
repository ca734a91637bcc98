namespace Dynamo.Orleans.Gateway.Tests;

/// <summary>A client that goes away mid-stream cancels its sequence, and the decode worker gets its KV blocks back.</summary>
[Collection(nameof(GatewayCluster))]
public sealed class DisconnectTests(GatewayClusterFixture fixture)
{
    [Fact]
    public async Task Aborting_the_http_request_mid_stream_cancels_the_sequence_and_frees_its_kv_blocks()
    {
        await Eventually.True(async () => (await fixture.DecodeWorker()).Running == 0, "the decode worker is idle");
        var baseline = (await fixture.DecodeWorker()).UsedBlocks;
        using var abort = new CancellationTokenSource();
        var wire = await StreamingWire.OpenAsync(fixture.Http, "v1/chat/completions", new
        {
            model = fixture.Model, messages = new[] { new { role = "user", content = "Talk for a long time" } },
            max_tokens = 1800, ignore_eos = true, temperature = 0, stream = true,
        }, abort.Token);
        var id = (string)(await wire.NextAsync())!["id"]!;
        await wire.NextAsync();
        var sequence = fixture.Cluster.Client.GetGrain<ISequenceGrain>(id);
        Assert.Equal(SequenceState.Decoding, (await sequence.GetStatus()).State);
        await Eventually.True(async () => (await fixture.DecodeWorker()).UsedBlocks > baseline, "the running sequence holds KV blocks");

        await abort.CancelAsync();
        await wire.DisposeAsync(); // closes the connection: Kestrel fires RequestAborted

        await Eventually.True(async () => (await sequence.GetStatus()).State == SequenceState.Cancelled, "the sequence is cancelled");
        var status = await sequence.GetStatus();
        Assert.True(status.GeneratedTokens < 1800, $"cancelled after {status.GeneratedTokens} tokens");
        await Eventually.True(async () => (await fixture.DecodeWorker()).UsedBlocks == baseline, "KV blocks back at their baseline");
    }
}
