using Dynamo.Orleans.Client;
using Dynamo.Orleans.Workers;

namespace Dynamo.Orleans.Grains.Tests.Fabric;

/// <summary>
/// A request that no worker could ever hold is the client's mistake, told as such: a decode worker's KV cache of
/// 8 blocks × 16 tokens (128 tokens) is smaller than the 200-token context window here. A chat request that gives no
/// max_tokens gets the room left.
/// </summary>
public sealed class RequestLimitTests : IAsyncLifetime
{
    private const int KvTokens = 8 * ServingCluster.BlockSize;
    private ServingCluster? _serving;

    public async Task InitializeAsync() =>
        _serving = await ServingCluster.StartAsync(61, silo => silo == "Silo_0" ? WorkerRole.None : WorkerRole.Decode, fabric =>
        {
            fabric.Engine.KvCacheBlocks = 8;
            fabric.Engine.MaxModelLen = 200;
        });

    public async Task DisposeAsync()
    {
        if (_serving is not null) await _serving.DisposeAsync();
    }

    private DynamoClient Dynamo => _serving!.Cluster.Client.Dynamo();

    [Fact]
    public async Task A_prompt_larger_than_every_decode_workers_KV_cache_is_refused_naming_the_limit()
    {
        var error = await Assert.ThrowsAsync<RequestValidationException>(() =>
            Dynamo.CompleteAsync(new GenerateRequest { PromptTokenIds = ServingCluster.Words(150, 1), MaxTokens = 1 }));
        Assert.Equal("prompt", error.Param);
        Assert.Contains($"holds {KvTokens} tokens", error.Message);
        Assert.Contains("150 tokens", error.Message);

        error = await Assert.ThrowsAsync<RequestValidationException>(() =>
            Dynamo.CompleteAsync(new GenerateRequest { PromptTokenIds = ServingCluster.Words(100, 1), MaxTokens = 40 }));
        Assert.Equal("max_tokens", error.Param);
        Assert.Contains($"holds {KvTokens} tokens", error.Message);

        // Nothing was reserved by the refusals, and a request that fits is served.
        var served = await _serving!.GenerateAsync(ServingCluster.Words(100, 1), KvTokens - 100);
        Assert.Equal(KvTokens - 100, served.Tokens.Length);
        Assert.Equal(SequenceState.Finished, served.Status.State);
    }

    [Fact]
    public async Task A_chat_request_without_max_tokens_may_generate_until_the_cache_or_context_is_full()
    {
        var chat = new GenerateRequest { Messages = [new ChatTurn("user", "tell me everything")], Temperature = 0, IgnoreEos = true };
        var result = await Dynamo.CompleteAsync(chat);
        Assert.Equal(CompletionFinishReason.Length, result.FinishReason);
        Assert.Equal(KvTokens, result.Usage!.PromptTokens + result.Usage.CompletionTokens);

        var tooLong = chat with { Messages = [new ChatTurn("user", string.Join(' ', Enumerable.Repeat("everything", 200)))] };
        var error = await Assert.ThrowsAsync<RequestValidationException>(() => Dynamo.CompleteAsync(tooLong));
        Assert.Equal("messages", error.Param);
        Assert.Contains("no room for output", error.Message);
    }
}
