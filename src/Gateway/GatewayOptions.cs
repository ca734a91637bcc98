namespace Dynamo.Orleans.Gateway;

/// <summary>The OpenAI-compatible HTTP front: where it listens, who may call it, and how much load it admits.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Kestrel listen URLs, separated by ';'. Port 0 binds a free port (read it from <see cref="Hosting.GatewayServer.Addresses"/>).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8000";

    /// <summary>When set, every <c>/v1</c> call must send <c>Authorization: Bearer &lt;key&gt;</c>. Probes and metrics stay open.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Larger request bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Requests generating at once; more wait in the queue.</summary>
    public int MaxConcurrentRequests { get; set; } = 256;

    /// <summary>Requests waiting for a slot; beyond this a request is refused at once with 429.</summary>
    public int MaxQueuedRequests { get; set; } = 1024;

    /// <summary>How long a queued request waits for a slot before it is refused with 429.</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>Retry-After</c> advice sent with 429.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How stale the served model and the worker list may be when admitting a request.</summary>
    public TimeSpan StatusRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The <c>owned_by</c> of <c>/v1/models</c>.</summary>
    public string OwnedBy { get; set; } = "dynamo-orleans";
}
