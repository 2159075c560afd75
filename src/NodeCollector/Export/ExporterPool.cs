using Flamewatch.NodeCollector.Hosting;
using Flamewatch.NodeCollector.Metrics;
using Flamewatch.Profiling.Export;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Export;

/// <summary>
/// The exporter chain of every session: <c>RetryingExporter(Counting(DatadogAgentExporter | PyroscopeExporter))</c>, one
/// chain per distinct upload timeout (pods may set their own), shared by the sessions that use that timeout. A chain no
/// session uses and with nothing queued is disposed on <see cref="TrimAsync"/>; <see cref="DrainAsync"/> lets queued uploads go
/// out at shutdown, within one deadline.
/// </summary>
internal sealed class ExporterPool(IOptions<CollectorOptions> options, CollectorMetrics metrics, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TimeSpan, Chain> _chains = [];
    private long _retiredDropped;
    private long _retiredAbandoned;

    /// <summary>The chain for <paramref name="uploadTimeout"/>; call <see cref="Release"/> with the same value when the session ends.</summary>
    public IProfileExporter Acquire(TimeSpan uploadTimeout)
    {
        lock (_lock)
        {
            if (!_chains.TryGetValue(uploadTimeout, out var chain))
            {
                var (exporter, transport) = Create(uploadTimeout);
                chain = new Chain(exporter, transport);
                _chains[uploadTimeout] = chain;
            }

            chain.Users++;
            return chain.Exporter;
        }
    }

    public void Release(TimeSpan uploadTimeout)
    {
        lock (_lock)
        {
            if (_chains.TryGetValue(uploadTimeout, out var chain))
            {
                chain.Users--;
            }
        }
    }

    /// <summary>Uploads dropped because a queue was full, and uploads abandoned after retries, over all chains.</summary>
    public (long QueueFull, long Abandoned) Dropped()
    {
        lock (_lock)
        {
            return (_retiredDropped + _chains.Values.Sum(c => c.Exporter.Dropped), _retiredAbandoned + _chains.Values.Sum(c => c.Exporter.Abandoned));
        }
    }

    /// <summary>Disposes chains that no session uses and that have nothing left to send.</summary>
    public async Task TrimAsync()
    {
        List<Chain> idle;
        lock (_lock)
        {
            idle = [.. _chains.Where(p => p.Value.Users <= 0 && p.Value.Exporter.Pending == 0).Select(p => p.Value)];
            foreach (var chain in idle)
            {
                _chains.Remove(_chains.First(p => p.Value == chain).Key);
                _retiredDropped += chain.Exporter.Dropped;
                _retiredAbandoned += chain.Exporter.Abandoned;
            }
        }

        foreach (var chain in idle)
        {
            await chain.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Closes every queue at once, each delivering what it holds within <paramref name="timeout"/> (one deadline for all);
    /// what is unsent then is abandoned and counted. Uploads handed over later are refused (and counted by their session).
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        List<Chain> chains;
        lock (_lock)
        {
            chains = [.. _chains.Values];
        }

        await Task.WhenAll(chains.Select(c => c.Exporter.CloseAsync(timeout))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        List<Chain> chains;
        lock (_lock)
        {
            chains = [.. _chains.Values];
            _chains.Clear();
        }

        // Concurrently: each chain may spend up to its upload timeout delivering what it still holds.
        await Task.WhenAll(chains.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
    }

    private (RetryingExporter Exporter, IDisposable Transport) Create(TimeSpan uploadTimeout)
    {
        var settings = options.Value;
        IProfileExporter transport = settings.AgentProtocol == AgentProtocol.Pyroscope
            ? new PyroscopeExporter(settings.Agent!, uploadTimeout, settings.Token)
            : new DatadogAgentExporter(settings.Agent!, uploadTimeout, settings.Token);
        var exporter = new RetryingExporter(new CountingExporter(transport, metrics), new RetryingExporterOptions { DrainTimeout = uploadTimeout }, timeProvider,
            loggerFactory.CreateLogger<RetryingExporter>());
        return (exporter, (IDisposable)transport);
    }

    private sealed class Chain(RetryingExporter exporter, IDisposable transport) : IAsyncDisposable
    {
        public RetryingExporter Exporter { get; } = exporter;

        public int Users { get; set; }

        public async ValueTask DisposeAsync()
        {
            await Exporter.DisposeAsync().ConfigureAwait(false);
            transport.Dispose();
        }
    }
}
