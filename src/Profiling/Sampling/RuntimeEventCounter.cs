using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Profiling.Sampling;

/// <summary>
/// One of the runtime's own event counts: a counter of the <c>System.Runtime</c> event source (<c>exception-count</c>,
/// <c>monitor-lock-contention-count</c>), published once a second in a session of its own (the main session's live
/// stack-interning parser does not decode self-describing events). It costs the target one counter snapshot a second
/// and gives the exact number of events of each period, observed or not. A report covers the second before it arrived,
/// so a period's reports do not line up with its ends: the period's count is the rate of the reports it received times
/// its length.
/// </summary>
internal sealed class RuntimeEventCounter(DiagnosticsClient client, int pid, string counterName, ILogger logger) : IAsyncDisposable
{
    private const string ProviderName = "System.Runtime";

    private readonly Lock _lock = new();
    private EventPipeSession? _session;
    private Task? _parse;
    private double _count;
    private double _seconds;
    private double? _latestRate;

    /// <summary>Events per second in the runtime's latest report (null before the first).</summary>
    public double? LatestRate
    {
        get
        {
            lock (_lock)
            {
                return _latestRate;
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the first report; its rate, or null when none came.</summary>
    public async Task<double?> FirstRateAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        while (LatestRate is null && time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
        }
        return LatestRate;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var provider = new EventPipeProvider(ProviderName, System.Diagnostics.Tracing.EventLevel.Informational, 0,
            new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" });
        // Stack walks requested (one per report, once a second): .NET 8 refuses sessions that ask for none.
        _session = await client.StartEventPipeSessionAsync(
            new EventPipeSessionConfiguration([provider], circularBufferSizeMB: 1, requestRundown: false, requestStackwalk: true),
            cancellationToken).ConfigureAwait(false);
        var session = _session;
        _parse = Task.Factory.StartNew(() => Parse(session), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Events per second in the reports since the last call, or null when the runtime reported none yet.</summary>
    public double? TakeRate()
    {
        lock (_lock)
        {
            var result = _seconds > 0 ? _count / _seconds : (double?)null;
            _count = 0;
            _seconds = 0;
            return result;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_session is null)
        {
            return;
        }
        try
        {
            await _session.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _parse!.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The target may have exited: nothing more to count.
            Log.StreamFaulted(logger, pid, e);
        }
        _session.Dispose();
    }

    private void Parse(EventPipeSession session)
    {
        try
        {
            using var source = new EventPipeEventSource(session.EventStream);
            source.Dynamic.All += e =>
            {
                if (e.EventName == "EventCounters")
                {
                    Add(e);
                }
            };
            source.Process();
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException)
        {
            // The stream ended with the target.
        }
    }

    private void Add(TraceEvent e)
    {
        if (e.PayloadValue(0) is IDictionary<string, object> outer
            && outer.TryGetValue("Payload", out var inner) && inner is IDictionary<string, object> payload
            && payload.TryGetValue("Name", out var name) && counterName.Equals(name as string, StringComparison.Ordinal)
            && payload.TryGetValue("Increment", out var increment) && increment is double value
            && payload.TryGetValue("IntervalSec", out var interval) && Convert.ToDouble(interval, System.Globalization.CultureInfo.InvariantCulture) is > 0 and var seconds)
        {
            lock (_lock)
            {
                _count += value;
                _seconds += seconds;
                _latestRate = value / seconds;
            }
        }
    }
}
