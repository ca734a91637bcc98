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
    private readonly GatewayOptions _options;
    private readonly SemaphoreSlim _slots;
    private int _queued;
    private int _running;

    public AdmissionGate(IOptions<GatewayOptions> options)
    {
        _options = options.Value;
        if (_options.MaxConcurrentRequests < 1) throw new ArgumentException("Gateway:MaxConcurrentRequests must be at least 1");
        if (_options.MaxQueuedRequests < 0) throw new ArgumentException("Gateway:MaxQueuedRequests must not be negative");
        _slots = new SemaphoreSlim(_options.MaxConcurrentRequests, _options.MaxConcurrentRequests);
    }

    public int Running => Volatile.Read(ref _running);
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Waits for a slot (or refuses); dispose the lease when the request's sequence has ended.</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (!_slots.Wait(0))
        {
            if (Interlocked.Increment(ref _queued) > _options.MaxQueuedRequests)
            {
                Interlocked.Decrement(ref _queued);
                throw Saturated($"The server is at capacity ({_options.MaxConcurrentRequests} running, {_options.MaxQueuedRequests} queued); retry later.");
            }
            try
            {
                if (!await _slots.WaitAsync(_options.QueueTimeout, cancellationToken))
                    throw Saturated($"No generation slot became free within {_options.QueueTimeout.TotalSeconds:0.#} s; retry later.");
            }
            finally
            {
                Interlocked.Decrement(ref _queued);
            }
        }
        Interlocked.Increment(ref _running);
        return new Lease(this);
    }

    private ApiError Saturated(string message) =>
        new(StatusCodes.Status429TooManyRequests, message, "rate_limit_error", null, "server_saturated") { RetryAfter = _options.RetryAfter };

    private sealed class Lease(AdmissionGate gate) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            Interlocked.Decrement(ref gate._running);
            gate._slots.Release();
        }
    }
}
