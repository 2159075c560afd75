using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Profiling.Sampling;

/// <summary>
/// Runs the session of one kind of runtime event (<see cref="SlicedEvents"/>: throws, lock waits). The rate comes from
/// the runtime's own counter (<see cref="RuntimeEventCounter"/>; from the observed events when it is not available).
/// While a process raises fewer than the kind's steady rate per second the session stays on and every event is
/// counted. Above that rate every event would cost the target more than the profile is worth, so the session runs in
/// slices: in each cycle (<see cref="SliceCycleFor"/>), on for a share of it (about the steady rate ÷ rate, at least
/// <see cref="MinimumDuty"/> and at least <see cref="MinimumObserved"/> a period) at a random phase.
/// <see cref="TakeCoverage"/> says what share of a period was observed and <see cref="TakeRuntimeRate"/> how fast the
/// runtime counted events; the period's estimates divide by the coverage.
/// </summary>
/// <remarks>
/// When one of several sessions enabling the runtime provider ends, the runtime recomputes the provider's keywords
/// with the ending session still counted: after a slice the runtime keeps treating the events as enabled while no
/// session records them, and every event keeps being built (a process throwing as fast as it can ran at 0.37 of its
/// speed with 2 % observed). Ending a second, event-less session after each slice makes the runtime recompute without
/// the slice (0.95). That session enables <see cref="RefreshProvider"/>: a keyword and level the main session always
/// enables, so the recomputed keywords are exactly the main session's.
/// <para>A slice records from the session's start until its stop request is handled, but the stop itself returns only
/// when the session's streaming thread wakes from its 100 ms sleep, and until then (and the refresh after it) every
/// event is still built: measured on a thread that only throws, 23–100 ms a slice at about the same cost as recording.
/// That cost comes with every slice whatever its length, so slices are as few and long as the period's estimates allow
/// (<see cref="SliceCycleFor"/>: eight a period, one every 2 to 5 s): at the default 45 s period a 100 ms slice every
/// 5 s, where 40 ms slices every 2 s would pay the fixed cost two and a half times as often for the same share of the
/// time observed.</para>
/// </remarks>
internal sealed class EventSlicer(DiagnosticsClient client, int pid, SlicedEvents events, TimeSpan period, Action<TraceStream> subscribe, ILogger logger, TimeProvider time) : IAsyncDisposable
{
    /// <summary>The least share of the time observed, however fast the process raises events.</summary>
    public const double MinimumDuty = 0.02;

    /// <summary>
    /// The least time observed in a period: a site throwing a few hundred times a second beside a storm is then seen
    /// about a hundred times, enough for its count to come out within ±20 % (short periods observe a larger share).
    /// </summary>
    public static readonly TimeSpan MinimumObserved = TimeSpan.FromMilliseconds(400);

    private readonly double _minimumDuty = Math.Max(MinimumDuty, period > TimeSpan.Zero ? MinimumObserved / period : 0);

    /// <summary>How often the rate is looked at while every event is observed.</summary>
    private static readonly TimeSpan Cycle = TimeSpan.FromSeconds(2);

    /// <summary>Waited for the runtime counter's first report before events are observed to measure the rate instead.</summary>
    private static readonly TimeSpan FirstRateTimeout = TimeSpan.FromSeconds(5);

    private readonly TimeSpan _sliceCycle = SliceCycleFor(period);

    /// <summary>
    /// One slice per this much time (see remarks): eight slices a period, so that a site's count rests on several
    /// windows (events come in bursts), but no more often than every 2 s nor less often than every 5 s.
    /// </summary>
    internal static TimeSpan SliceCycleFor(TimeSpan period) =>
        TimeSpan.FromTicks(Math.Clamp(period.Ticks / 8, TimeSpan.FromSeconds(2).Ticks, TimeSpan.FromSeconds(5).Ticks));

    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private TraceStream? _stream;
    private DateTimeOffset? _onSince;
    private TimeSpan _observed;
    private long _events;
    private Task? _loop;
    private RuntimeEventCounter? _counter;

    /// <summary>
    /// Starts observing: at once when the runtime's counter is not available; otherwise the loop waits for the counter's
    /// first report and observes every event only if the rate is low (a storm is sliced from its first second, never
    /// observed whole).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var counter = new RuntimeEventCounter(client, pid, events.CounterName, logger);
        try
        {
            await counter.StartAsync(cancellationToken).ConfigureAwait(false);
            _counter = counter;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without the runtime's count, the rate is measured by observing.
            Log.StreamFaulted(logger, pid, e);
            await OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Counts one observed event (from the subscriber, to measure the rate).</summary>
    public void OnEvent() => Interlocked.Increment(ref _events);

    /// <summary>The runtime's events per second since the last call (null before its first report).</summary>
    public double? TakeRuntimeRate() => _counter?.TakeRate();

    /// <summary>Frees the current stream's stack-interning state at its next event.</summary>
    public void RequestTrim()
    {
        lock (_lock)
        {
            _stream?.RequestTrim();
        }
    }

    /// <summary>Events lost by the current stream's buffer.</summary>
    public long EventsLost
    {
        get
        {
            lock (_lock)
            {
                return _stream?.Source.EventsLost ?? 0;
            }
        }
    }

    /// <summary>The share of the time since the last call during which events were observed (1 when always on).</summary>
    public double TakeCoverage(TimeSpan period)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            var observed = _observed + (_onSince is { } since ? now - since : TimeSpan.Zero);
            _observed = TimeSpan.Zero;
            if (_onSince is not null)
            {
                _onSince = now;
            }
            return period <= TimeSpan.Zero ? 1 : Math.Clamp(observed / period, 0, 1);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }
        await CloseAsync().ConfigureAwait(false);
        if (_counter is not null)
        {
            await _counter.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var rateSince = time.GetUtcNow();
        // The runtime's count is unaffected by observing; the observed events are the fallback.
        double? known = _counter is null ? null : await _counter.FirstRateAsync(FirstRateTimeout, time, cancellationToken).ConfigureAwait(false);
        if (known is null && _stream is null)
        {
            await OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            double rate;
            if (known is { } first)
            {
                rate = first;
                known = null;
            }
            else
            {
                // Measure the rate over one cycle.
                await Task.Delay(Cycle, time, cancellationToken).ConfigureAwait(false);
                var now = time.GetUtcNow();
                var observed = Interlocked.Exchange(ref _events, 0) / Math.Max(0.001, (now - rateSince).TotalSeconds);
                rateSince = now;
                rate = _counter?.LatestRate ?? observed;
            }
            if (rate <= events.SteadyRate)
            {
                if (_stream is null)
                {
                    Interlocked.Exchange(ref _events, 0);
                    rateSince = time.GetUtcNow();
                    await OpenAsync(cancellationToken).ConfigureAwait(false);
                }
                continue;
            }
            await RunSlicesAsync(rate, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _events, 0);
            rateSince = time.GetUtcNow();
        }
    }

    /// <summary>A fast rate: observes one slice per <see cref="SliceCycleFor"/> until the rate drops, then observes continuously again.</summary>
    private async Task RunSlicesAsync(double rate, CancellationToken cancellationToken)
    {
        var duty = Math.Max(_minimumDuty, events.SteadyRate / rate);
        Log.EventsSliced(logger, pid, rate, events.Name, duty);
        if (_stream is not null)
        {
            await CloseAsync().ConfigureAwait(false);
            await RefreshRuntimeProviderAsync(cancellationToken).ConfigureAwait(false);
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            var on = _sliceCycle * duty;
            var offset = (_sliceCycle - on) * Random.Shared.NextDouble();
            await Task.Delay(offset, time, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _events, 0);
            var opened = time.GetUtcNow();
            await OpenAsync(cancellationToken).ConfigureAwait(false);
            // The runtime records from the request on; opening the stream's parser can take longer than the slice.
            if (on - (time.GetUtcNow() - opened) is { Ticks: > 0 } remaining)
            {
                await Task.Delay(remaining, time, cancellationToken).ConfigureAwait(false);
            }
            var closed = time.GetUtcNow();
            // Closing drains the stream: every event of the slice has been counted after it.
            await CloseAsync().ConfigureAwait(false);
            await RefreshRuntimeProviderAsync(cancellationToken).ConfigureAwait(false);
            var sliceRate = _counter?.LatestRate ?? Interlocked.Read(ref _events) / Math.Max(0.001, (closed - opened).TotalSeconds);
            if (sliceRate <= events.SteadyRate / 2)
            {
                // Slow again: stay on, and measure over whole cycles.
                Interlocked.Exchange(ref _events, 0);
                await OpenAsync(cancellationToken).ConfigureAwait(false);
                return;
            }
            duty = Math.Max(_minimumDuty, events.SteadyRate / sliceRate);
            await Task.Delay(_sliceCycle - on - offset, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The Loader keyword at the Critical level: within the main session's keywords, and no event of its own.</summary>
    private static readonly EventPipeProvider RefreshProvider =
        new(ClrTraceEventParser.ProviderName, System.Diagnostics.Tracing.EventLevel.Critical, (long)ClrTraceEventParser.Keywords.Loader);

    private EventPipeSessionConfiguration Configuration() =>
        new([new EventPipeProvider(ClrTraceEventParser.ProviderName, events.Level, events.Keywords)],
            circularBufferSizeMB: 16, requestRundown: false, requestStackwalk: true);

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        // The runtime records events from the moment it enables the session, before the stream's parser is ready (which
        // can take a while on a loaded node): observation starts with the request.
        var requested = time.GetUtcNow();
        var stream = await TraceStream.StartAsync(client, Configuration(), cancellationToken).ConfigureAwait(false);
        subscribe(stream);
        stream.Run($"flamewatch-{pid}-{events.Name}");
        lock (_lock)
        {
            _stream = stream;
            _onSince = requested;
        }
    }

    /// <summary>Starts and ends an event-less session so the runtime forgets the closed slice's keywords (see remarks).</summary>
    private async Task RefreshRuntimeProviderAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Stack walks requested although it has no event: .NET 8 refuses sessions that ask for none.
            using var session = await client.StartEventPipeSessionAsync(
                new EventPipeSessionConfiguration([RefreshProvider], circularBufferSizeMB: 1, requestRundown: false, requestStackwalk: true),
                cancellationToken).ConfigureAwait(false);
            var drain = session.EventStream.CopyToAsync(Stream.Null, cancellationToken);
            await session.StopAsync(cancellationToken).ConfigureAwait(false);
            await drain.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.StreamFaulted(logger, pid, e);
        }
    }

    private async Task CloseAsync()
    {
        TraceStream? stream;
        lock (_lock)
        {
            stream = _stream;
            _stream = null;
            if (_onSince is { } since)
            {
                _observed += time.GetUtcNow() - since;
                _onSince = null;
            }
        }
        if (stream is not null)
        {
            try
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.StreamFaulted(logger, pid, e);
            }
        }
    }
}
