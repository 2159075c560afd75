using System.Diagnostics;
using Flamewatch.Profiling;
using Flamewatch.Profiling.Export;
using Microsoft.Extensions.Logging;

namespace Flamewatch;

/// <summary>
/// One Start…Stop cycle of a <see cref="Profiler"/>: a <see cref="ProfilingSession"/> on this very process (through its
/// own diagnostic socket) whose profiles go to a <see cref="ProfilerUploader"/>. A session is single-use, so every
/// Start gets a new run.
/// </summary>
internal sealed class ProfilerRun
{
    /// <summary>How long Stop waits past its deadline for the cancelled flush to finish, so that its outcome is counted.</summary>
    private static readonly TimeSpan FlushGrace = TimeSpan.FromMilliseconds(500);

    private readonly ProfilingSession _session;
    private readonly RetryingExporter _queued;
    private readonly ProfilerUploader _uploader;
    private readonly ProfilerCounters _counters;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _starting = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _started;

    public ProfilerRun(ProfilerSettings settings, IProfileExporter agent, ProfilerCounters counters, ILoggerFactory loggerFactory)
    {
        _counters = counters;
        _logger = loggerFactory.CreateLogger<Profiler>();
        var options = new ProfilingOptions
        {
            ApplicationName = settings.ApplicationName,
            Period = settings.Period,
            FrequencyHz = settings.SamplingFrequency,
            ProfileTypes = settings.ProfileTypes,
            Tags = settings.Labels,
            FirstSliceAtStart = true,
        };
        _queued = new RetryingExporter(new ProfilerUploader.Recording(agent, counters, _logger), logger: loggerFactory.CreateLogger<RetryingExporter>());
        _uploader = new ProfilerUploader(_queued, agent, counters, _logger);
        _session = new ProfilingSession(Environment.ProcessId, options, _uploader, loggerFactory.CreateLogger<ProfilingSession>());
        _session.PeriodCompleted += (_, _) => counters.ProfileCollected();
        _started = StartAsync();
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) until sampling runs or starting failed; attaching goes on in the background after that.</summary>
    public async Task WaitStartedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _started.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Stops sampling and flushes: the partial period is built and uploaded, then profiles still queued for retry get
    /// the rest of the budget unless the agent just failed. Whatever is unsent when the budget ends is dropped and counted.
    /// </summary>
    public async Task StopAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        var stopping = Stopwatch.StartNew();
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(budget);
        _uploader.BeginFlush(deadline);
        if (!_started.IsCompleted)
        {
            await _starting.CancelAsync().ConfigureAwait(false);
        }
        var complete = false;
        try
        {
            await _started.WaitAsync(deadline.Token).ConfigureAwait(false);
            await _session.StopAsync(deadline.Token).ConfigureAwait(false);
            complete = true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // Everything still running was cancelled with the deadline: let it wind down (and count what it dropped).
            await Task.WhenAny(_session.Completion, Task.Delay(FlushGrace)).ConfigureAwait(false);
        }
        // Periods queued before Stop (waiting for a retry) get what is left of the budget, unless the agent just failed.
        var rest = complete && !_uploader.FlushFailed ? budget - stopping.Elapsed : TimeSpan.Zero;
        var unsent = await _queued.CloseAsync(rest > TimeSpan.Zero ? rest : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        await _queued.DisposeAsync().ConfigureAwait(false);
        // The queue counts what it dropped when full, what it gave up on, and what was still unsent at close.
        _counters.Dropped(_queued.Dropped + _queued.Abandoned);
        if (!complete || unsent > 0)
        {
            ProfilerLog.FlushIncomplete(_logger, budget.TotalSeconds, unsent);
        }
        // The deadline's timer is left to fire: a session still finishing in the background may hold its token.
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    private async Task StartAsync()
    {
        try
        {
            var attach = await _session.StartAsync(_starting.Token).ConfigureAwait(false);
            if (!attach.Succeeded)
            {
                _counters.StartFailed(attach.Message);
                ProfilerLog.StartFailed(_logger, attach.Message);
            }
        }
        catch (OperationCanceledException) when (_starting.IsCancellationRequested)
        {
            // Stopped while attaching.
        }
        catch (Exception e)
        {
            _counters.StartFailed(e.Message);
            ProfilerLog.StartFailed(_logger, e.Message);
        }
    }
}
