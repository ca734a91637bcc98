using Dynamo.Orleans.Bench.Commands;
using Dynamo.Orleans.Bench.Deployments;
using Dynamo.Orleans.Bench.Workloads;

namespace Dynamo.Orleans.Bench.Tests.Deployments;

public sealed class KvCacheSizingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "bench-model-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void A_models_KV_bytes_per_token_come_from_its_config_as_the_engine_sizes_blocks()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "config.json"), """
            {"hidden_size": 2048, "intermediate_size": 5632, "num_attention_heads": 32, "num_key_value_heads": 4, "num_hidden_layers": 2,
             "max_position_embeddings": 2048, "vocab_size": 50304, "torch_dtype": "bfloat16"}
            """);

        var model = WrittenBenchModel.Read("tinyllama-shaped-2l-bf16", _folder);

        Assert.Equal(2L * 2 * 4 * 64 * 2, model.KvBytesPerToken); // K and V × layers × KV heads × head size (2048 / 32) × bf16
        Assert.Equal(2048, model.ContextTokens);
    }

    [Fact]
    public void A_cache_that_cannot_hold_every_conversation_on_one_worker_is_refused_before_anything_starts()
    {
        var model = new WrittenBenchModel("m", "/models/m", 2048, "m", KvBytesPerToken: 2048);
        var chat = new TrafficClass("chat", new Arrival.Concurrency(8), new LengthDistribution.Fixed(64), new LengthDistribution.Fixed(32), Sessions: 8,
                                    WarmupSessions: 2, Turns: 5, SystemPrompt: new LengthDistribution.Fixed(512));
        // (8 + 2) conversations × (512 + 5·64 + 4·32 prompt tokens + 5 · (32 + 16) answer tokens and partial blocks) = 12,000 tokens ≈ 23.4 MiB.

        Assert.Contains("12,000 tokens", RoutingCommand.CacheDescription(chat, model, cacheMb: 24));
        var refused = Assert.Throws<ArgumentException>(() => RoutingCommand.CacheDescription(chat, model, cacheMb: 23));
        Assert.Contains("--kv-cache-mb 24", refused.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
