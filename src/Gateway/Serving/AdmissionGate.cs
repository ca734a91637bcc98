using Dynamo.Orleans.Gateway.Errors;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Gateway.Serving;

/// <summary>
/// Bounds the work this gateway puts on the cluster: at most <see cref="GatewayOptions.MaxConcurrentRequests"/> run,
/// at most <see cref="GatewayOptions.MaxQueuedRequests"/> wait (each at most <see cref="GatewayOptions.QueueTimeout"/>),
/// and the rest are refused with 429 and Retry-After — a bounded queue, so overload shows as refusals, not as memory.
/// </summary>
public sealed class AdmissionGate
{
    private readonly GatewayOptions options;
    private readonly SemaphoreSlim slots;
    private int queued;
    private int running;

    public AdmissionGate(IOptions<GatewayOptions> options)
    {
        this.options = options.Value;
        if (this.options.MaxConcurrentRequests < 1) throw new ArgumentException("Gateway:MaxConcurrentRequests must be at least 1");
        if (this.options.MaxQueuedRequests < 0) throw new ArgumentException("Gateway:MaxQueuedRequests must not be negative");
        slots = new SemaphoreSlim(this.options.MaxConcurrentRequests, this.options.MaxConcurrentRequests);
    }

    public int Running => Volatile.Read(ref running);
    public int Queued => Volatile.Read(ref queued);

    /// <summary>Waits for a slot (or refuses); dispose the lease when the request's sequence has ended.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (!slots.Wait(0))
        {
            if (Interlocked.Increment(ref queued) > options.MaxQueuedRequests)
            {
                Interlocked.Decrement(ref queued);
                throw Saturated($"The server is at capacity ({options.MaxConcurrentRequests} running, {options.MaxQueuedRequests} queued); retry later.");
            }
            try
            {
                if (!await slots.WaitAsync(options.QueueTimeout, cancellationToken))
                    throw Saturated($"No generation slot became free within {options.QueueTimeout.TotalSeconds:0.#} s; retry later.");
            }
            finally
            {
                Interlocked.Decrement(ref queued);
            }
        }
        Interlocked.Increment(ref running);
        return new Lease(this);
    }

    private ApiError Saturated(string message) =>
        new(StatusCodes.Status429TooManyRequests, message, "rate_limit_error", null, "server_saturated") { RetryAfter = options.RetryAfter };

    private sealed class Lease(AdmissionGate gate) : IDisposable
    {
        private int disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0) return;
            Interlocked.Decrement(ref gate.running);
            gate.slots.Release();
        }
    }
}
