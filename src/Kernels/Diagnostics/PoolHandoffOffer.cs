using System.Text;
using System.Text.Json;
using Dynamo.Orleans.Kernels.Caching;
using Dynamo.Orleans.Kernels.Engine;
using Dynamo.Orleans.Kernels.Sampling;
using Dynamo.Orleans.Kernels.Transfer;

namespace Dynamo.Orleans.Kernels.Diagnostics;

/// <summary>
/// What a producer process tells a consumer process so that it can take a prefilled sequence over through the producer's
/// registered pool: how to map the pool (a tmpfs path, or a CUDA IPC handle and offset), its layout, the pinned blocks
/// of each layer group, and the sequence (prompt, first token, sampling with its seed). One JSON line: the two-process
/// handoff check (<c>dynamo check handoff</c>) passes it over a pipe.
/// </summary>
public sealed record PoolHandoffOffer(
    KvPoolKind Kind, string? SharedMemoryPath, string? IpcHandle, long IpcOffset, int DeviceIndex, KvPoolLayout Layout,
    IReadOnlyList<PoolHandoffOffer.Group> Groups, IReadOnlyList<int> Prompt, int FirstToken, SamplingParams Parameters)
{
    /// <summary>One layer group: <see cref="Tokens"/> tokens of KV for layers LayerStart.. in the given blocks of the pool.</summary>
    public sealed record Group(int Tokens, int LayerStart, int LayerCount, IReadOnlyList<int> Blocks);

    /// <summary>Describes a prefill's pinned exports; the pool must be registered, or no other process can reach it.</summary>
    public static PoolHandoffOffer From(PoolHandoff.Prefilled prefilled, KvPool pool)
    {
        if (pool.Kind == KvPoolKind.Private)
            throw new InvalidOperationException("the KV pool is private: other processes cannot map it");
        var ipc = pool.CudaIpc;
        var groups = prefilled.Exports
            .Select(e => new Group(e.Descriptor.TokenCount, e.Descriptor.LayerStart, e.Descriptor.LayerCount,
                                   e.Blocks.Take(e.Descriptor.BlockCount).ToArray()))
            .ToArray();
        return new(pool.Kind, pool.SharedMemoryPath, ipc is { } h ? Convert.ToHexStringLower(h.Handle) : null, ipc?.Offset ?? 0, pool.DeviceIndex,
                   pool.Layout, groups, prefilled.Prompt, prefilled.FirstToken, prefilled.Parameters);
    }

    /// <summary>
    /// Maps the producer's pool into this process (read-only for shared memory), copies every group into a reservation of
    /// <paramref name="consumer"/>, commits and decodes to the end; the mapping is closed before this returns.
    /// </summary>
    public async Task<(IReadOnlyList<int> Ids, long Bytes)> ContinueInAsync(LlmEngine consumer, CancellationToken cancellationToken = default)
    {
        var groups = Groups.Select(g => (new KvPageDescriptor(g.Tokens, Layout.BlockSize, g.LayerStart, g.LayerCount, Layout.Layers, Layout.KvHeads,
                                                              Layout.HeadDim, KvPageDescriptor.NameOf(Layout.DType)), g.Blocks)).ToArray();
        using var mapping = KvPoolMapping.Open(Kind, SharedMemoryPath, IpcHandle is null ? null : Convert.FromHexString(IpcHandle), IpcOffset, Layout, DeviceIndex);
        return await PoolHandoff.ContinueAsync(consumer, Prompt, FirstToken, Parameters, mapping, groups, cancellationToken).ConfigureAwait(false);
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("pool");
            w.WriteString("kind", Kind.ToString());
            if (SharedMemoryPath is not null) w.WriteString("path", SharedMemoryPath);
            if (IpcHandle is not null)
            {
                w.WriteString("ipc_handle", IpcHandle);
                w.WriteNumber("ipc_offset", IpcOffset);
            }
            w.WriteNumber("device", DeviceIndex);
            w.WriteString("layout", KvPoolLayout.Name);
            w.WriteNumber("layers", Layout.Layers);
            w.WriteNumber("blocks", Layout.Blocks);
            w.WriteNumber("block_size", Layout.BlockSize);
            w.WriteNumber("kv_heads", Layout.KvHeads);
            w.WriteNumber("head_dim", Layout.HeadDim);
            w.WriteString("dtype", KvPageDescriptor.NameOf(Layout.DType));
            w.WriteEndObject();
            w.WriteStartArray("groups");
            foreach (var g in Groups)
            {
                w.WriteStartObject();
                w.WriteNumber("tokens", g.Tokens);
                w.WriteNumber("layer_start", g.LayerStart);
                w.WriteNumber("layer_count", g.LayerCount);
                WriteIds(w, "blocks", g.Blocks);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteIds(w, "prompt", Prompt);
            w.WriteNumber("first_token", FirstToken);
            w.WriteNumber("seed", Parameters.Seed ?? throw new InvalidOperationException("a handed-off sequence carries its seed"));
            w.WriteNumber("max_tokens", Parameters.MaxTokens);
            w.WriteNumber("temperature", Parameters.Temperature);
            w.WriteNumber("top_p", Parameters.TopP);
            w.WriteNumber("top_k", Parameters.TopK);
            w.WriteBoolean("ignore_eos", Parameters.IgnoreEos);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads <see cref="ToJson"/>'s line; anything missing or of the wrong type is an <see cref="InvalidDataException"/>.</summary>
    public static PoolHandoffOffer Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var pool = root.GetProperty("pool");
            if (pool.GetProperty("layout").GetString() != KvPoolLayout.Name)
                throw new InvalidDataException($"the pool's layout is '{pool.GetProperty("layout").GetString()}', not '{KvPoolLayout.Name}'");
            int layers = pool.GetProperty("layers").GetInt32(), blockSize = pool.GetProperty("block_size").GetInt32();
            int kvHeads = pool.GetProperty("kv_heads").GetInt32(), headDim = pool.GetProperty("head_dim").GetInt32();
            // Page descriptors name dtypes the way the pool descriptor does: one reading of the names.
            var dtype = new KvPageDescriptor(0, blockSize, 0, layers, layers, kvHeads, headDim, pool.GetProperty("dtype").GetString()!).ScalarType;
            var layout = new KvPoolLayout(layers, pool.GetProperty("blocks").GetInt32(), blockSize, kvHeads, headDim, dtype);
            var groups = root.GetProperty("groups").EnumerateArray()
                .Select(g => new Group(g.GetProperty("tokens").GetInt32(), g.GetProperty("layer_start").GetInt32(),
                                       g.GetProperty("layer_count").GetInt32(), ReadIds(g.GetProperty("blocks"))))
                .ToArray();
            var parameters = new SamplingParams
            {
                Seed = root.GetProperty("seed").GetUInt64(), MaxTokens = root.GetProperty("max_tokens").GetInt32(),
                Temperature = root.GetProperty("temperature").GetDouble(), TopP = root.GetProperty("top_p").GetDouble(),
                TopK = root.GetProperty("top_k").GetInt32(), IgnoreEos = root.GetProperty("ignore_eos").GetBoolean(),
            };
            return new(Enum.Parse<KvPoolKind>(pool.GetProperty("kind").GetString()!),
                       pool.TryGetProperty("path", out var path) ? path.GetString() : null,
                       pool.TryGetProperty("ipc_handle", out var handle) ? handle.GetString() : null,
                       pool.TryGetProperty("ipc_offset", out var offset) ? offset.GetInt64() : 0,
                       pool.GetProperty("device").GetInt32(), layout, groups, ReadIds(root.GetProperty("prompt")),
                       root.GetProperty("first_token").GetInt32(), parameters);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException
                                       or NotSupportedException)
        {
            throw new InvalidDataException($"not a pool handoff offer: {e.Message}", e);
        }
    }

    private static void WriteIds(Utf8JsonWriter w, string name, IReadOnlyList<int> ids)
    {
        w.WriteStartArray(name);
        foreach (var id in ids) w.WriteNumberValue(id);
        w.WriteEndArray();
    }

    private static int[] ReadIds(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
}
