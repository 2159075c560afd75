using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Export;
using Flamewatch.Profiling.Os;
using Flamewatch.Profiling.Pprof;
using Flamewatch.Profiling.Sampling;
using Flamewatch.Profiling.Symbols;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flamewatch.Profiling;

/// <summary>
/// Profiles one .NET process: attaches, samples, and exports one pprof per period.
/// <para>Lifecycle: <see cref="SessionState.Unstarted"/> → <see cref="StartAsync"/> → <see cref="SessionState.Running"/>
/// (or <see cref="SessionState.Aborted"/> when attaching fails) → <see cref="StopAsync"/> or the target's exit →
/// <see cref="SessionState.Stopping"/> (the partial period is exported) → <see cref="SessionState.Stopped"/>.
/// <see cref="StartAsync"/> and <see cref="StopAsync"/> are idempotent; <see cref="Completion"/> never faults.</para>
/// <para>Sessions: one long-lived EventPipe session with the runtime provider (JIT/loader for symbols, allocation
/// sampling, GC) and — when the target's sampler already runs at about the configured frequency — the sample
/// profiler. Otherwise the sampler runs in short separate slices, at a random phase, until the period holds
/// frequency × period rounds ("duty-cycling"): the target pays for the stop-the-world stack walks only during slices.</para>
/// <para>This type is the lifecycle; <see cref="SessionConfiguration"/> decides the sampling mode and providers,
/// <see cref="PeriodRecorder"/> dispatches the runtime's events into the current period, <see cref="PeriodAssembler"/>
/// turns a period into its profile, and <see cref="ExportQueue"/> hands profiles to the exporter.</para>
/// </summary>
internal sealed class ProfilingSession : IAsyncDisposable
{
    /// <summary>A partial last period shorter than this is not exported (it would only replace a full one with noise).</summary>
    private static readonly TimeSpan MinimumFinalPeriod = TimeSpan.FromSeconds(1);

    private readonly int _pid;
    private readonly DiagnosticEndpoint? _endpoint;
    private readonly ProcFs _procFs;
    private readonly ProfilingOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LateBinder _binder;
    private readonly ThreadCpuClock _cpu;
    private readonly ExportQueue _exports;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<SessionResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);

    private SessionState _state = SessionState.Unstarted;
    private AttachResult? _attach;
    private DiagnosticsClient? _client;
    private DiagnosticSocket? _socket;

    // Set once attached (StartAsync), before the session runs.
    private SessionConfiguration? _configuration;
    private PeriodRecorder? _recorder;
    private PeriodAssembler? _assembler;
    private ThreadCpuSampler? _kernelCpu;
    private DutyCycledSampler? _dutyCycled;
    private TraceStream? _main;
    private EventSlicer? _exceptionSlicer;
    private EventSlicer? _contentionSlicer;
    private int _periods;

    /// <summary>A session that looks the target's socket up itself (local mode, the in-process Profiler, tests).</summary>
    public ProfilingSession(int pid, ProfilingOptions options, IProfileExporter exporter, ILogger? logger = null, TimeProvider? timeProvider = null)
        : this(pid, null, ProcFs.Host, options, exporter, logger, timeProvider)
    {
    }

    /// <summary>A session on the socket discovery resolved: it connects to that path only.</summary>
    public ProfilingSession(DiagnosticEndpoint endpoint, ProcFs procFs, ProfilingOptions options, IProfileExporter exporter, ILogger? logger = null, TimeProvider? timeProvider = null)
        : this(endpoint.HostPid, endpoint, procFs, options, exporter, logger, timeProvider)
    {
    }

    private ProfilingSession(int pid, DiagnosticEndpoint? endpoint, ProcFs procFs, ProfilingOptions options, IProfileExporter exporter, ILogger? logger, TimeProvider? timeProvider)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }
        _pid = pid;
        _endpoint = endpoint;
        _procFs = procFs;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _binder = new LateBinder(pid, procFs, _logger);
        _cpu = new ThreadCpuClock(pid, procFs);
        _exports = new ExportQueue(pid, options.ExportQueueCapacity, exporter, _logger);
    }

    public int ProcessId => _pid;

    public SessionState State => _state;

    /// <summary>
    /// After a successful start: whether the target's own sampler rate meets the frequency, so samples are taken all the
    /// time (true), or the sampler runs in bursts (false: the process started without a suitable
    /// DOTNET_EventPipeThreadSamplingRate).
    /// </summary>
    public bool SamplesContinuously => _configuration?.Continuous ?? false;

    /// <summary>Completes once the session is Stopped or Aborted.</summary>
    public Task<SessionResult> Completion => _completion.Task;

    /// <summary>Raised after each period's profile is built (on a pool thread).</summary>
    public event Action<PeriodStatistics, Profile>? PeriodCompleted;

    /// <summary>Attaches and starts sampling; returns once the EventPipe session runs, or with the reason it cannot.</summary>
    public async Task<AttachResult> StartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state != SessionState.Unstarted)
            {
                return _attach ?? AttachResult.Failed(AttachOutcome.ProcessNotFound, "The session was stopped before it started.");
            }
            _attach = _endpoint is null
                ? await TargetAttacher.AttachAsync(_procFs, _pid, cancellationToken).ConfigureAwait(false)
                : await TargetAttacher.AttachAsync(_procFs, _endpoint, cancellationToken).ConfigureAwait(false);
            if (_attach.Succeeded)
            {
                _client = _attach.Client!;
                _socket = _attach.Socket;
                if (_socket?.ByPathReason is { } byPath)
                {
                    Log.SocketByPath(_logger, _pid, byPath);
                }
                Log.Attached(_logger, _pid);
                Configure(_attach);
                _attach = await StartStreamsAsync(_attach, cancellationToken).ConfigureAwait(false);
            }
            if (!_attach.Succeeded)
            {
                Log.AttachFailed(_logger, _pid, _attach.Message);
                Finish(SessionState.Aborted, SessionEnd.AttachFailed, _attach.Message);
                return _attach;
            }
            _state = SessionState.Running;
            _exports.Start();
            _ = Task.Run(RunAsync, CancellationToken.None);
            return _attach;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops sampling, exports the partial period and waits for the exporter. Idempotent.</summary>
    public async Task<SessionResult> StopAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_state == SessionState.Unstarted)
            {
                Finish(SessionState.Stopped, SessionEnd.Stopped, "Stopped before it started.");
            }
            else if (_state == SessionState.Running)
            {
                _state = SessionState.Stopping;
                await _stopping.CancelAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
        return await Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        _stopping.Dispose();
        _lifecycle.Dispose();
    }

    /// <summary>Decides the sampling mode from what the attach told, and sets up the samplers and the period's recorder.</summary>
    private void Configure(AttachResult attach)
    {
        var configuration = _configuration = SessionConfiguration.For(_options, attach);
        if (_options.Sampling)
        {
            // Duty-cycled slices are short: the kernel's CPU readings run only then, every 2 ms. Sampling all the time:
            // coarser readings keep their cost down.
            _kernelCpu = new ThreadCpuSampler(_pid, _procFs, TimeSpan.FromMilliseconds(configuration.Continuous ? 20 : 2));
        }
        var recorder = _recorder = new PeriodRecorder(configuration, _binder.Methods, _kernelCpu);
        if (_options.Sampling && !configuration.Continuous)
        {
            _dutyCycled = new DutyCycledSampler(_client!, _pid, _options.FrequencyHz, configuration.IntervalMs, recorder.OnThreadSample, _logger, _time, _kernelCpu);
        }
        else
        {
            _kernelCpu?.Resume();
        }
        _assembler = new PeriodAssembler(_pid, configuration, attach.Runtime, _binder, _logger);
        Log.RateMode(_logger, _pid, configuration.IntervalMs, configuration.Mode, _options.FrequencyHz);
    }

    /// <summary>Opens the main session (and the exceptions session) and starts the first period; on failure, why attaching failed after all.</summary>
    private async Task<AttachResult> StartStreamsAsync(AttachResult attach, CancellationToken cancellationToken)
    {
        var recorder = _recorder!;
        try
        {
            _main = await TraceStream.StartAsync(_client!, _configuration!.MainSession(), cancellationToken).ConfigureAwait(false);
            if (_options.Exceptions)
            {
                _exceptionSlicer = new EventSlicer(_client!, _pid, SlicedEvents.Exceptions, _options.Period, stream => recorder.SubscribeExceptions(stream, () => _exceptionSlicer?.OnEvent()), _logger, _time);
                await _exceptionSlicer.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            if (_options.LockContention)
            {
                _contentionSlicer = new EventSlicer(_client!, _pid, SlicedEvents.Contention, _options.Period, stream => recorder.SubscribeContention(stream, () => _contentionSlicer?.OnEvent()), _logger, _time);
                await _contentionSlicer.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (_main is not null)
            {
                await _main.DisposeAsync().ConfigureAwait(false);
                _main = null;
            }
            var exited = !_procFs.IsAlive(_pid);
            _kernelCpu?.Dispose();
            return exited
                ? AttachResult.Failed(AttachOutcome.ProcessExited, $"Process {_pid} exited while attaching.")
                : AttachResult.Failed(AttachOutcome.NoDiagnosticSocket, $"Cannot start an EventPipe session in process {_pid}: {e.Message}");
        }
        recorder.SubscribeMain(_main);
        recorder.Begin(_time.GetUtcNow());
        _cpu.Start();
        _main.Run($"flamewatch-{_pid}");
        return attach;
    }

    private async Task RunAsync()
    {
        var (end, message) = await RecordPeriodsAsync().ConfigureAwait(false);
        if (end == SessionEnd.Stopped && !_stopping.IsCancellationRequested)
        {
            (end, message) = await WhyTheStreamEndedAsync().ConfigureAwait(false);
        }
        _state = SessionState.Stopping;
        await FlushAsync().ConfigureAwait(false);
        Finish(SessionState.Stopped, end, message ?? $"Stopped profiling process {_pid}.");
    }

    /// <summary>Records period after period until a stop is requested or the main stream ends; a failure ends them too.</summary>
    private async Task<(SessionEnd End, string? Message)> RecordPeriodsAsync()
    {
        using var streamEnded = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var ended = streamEnded.Token;
        _ = _main!.Completion.ContinueWith(_ =>
        {
            try
            {
                streamEnded.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The loop already finished.
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        try
        {
            while (!ended.IsCancellationRequested)
            {
                var periodStart = _recorder!.PeriodStart;
                var periodEnd = periodStart + _options.Period;
                if (_dutyCycled is not null)
                {
                    await _dutyCycled.RunPeriodAsync(periodStart, periodEnd, _options.FirstSliceAtStart && _periods == 0, ended).ConfigureAwait(false);
                }
                else
                {
                    await _time.DelayUntilAsync(periodEnd, ended).ConfigureAwait(false);
                }
                await EndPeriodAsync(final: false).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stop requested or the stream ended.
        }
        catch (Exception e)
        {
            // A failure of this collector must end the session cleanly, never escape. Work on a target that is
            // being killed fails too: that is the target's exit, not a fault.
            if (await HasExitedAsync().ConfigureAwait(false))
            {
                return Exited();
            }
            Log.StreamFaulted(_logger, _pid, e);
            return (SessionEnd.Faulted, $"Profiling process {_pid} failed: {e.Message}");
        }
        return (SessionEnd.Stopped, null);
    }

    /// <summary>The main stream ended with no stop requested: the target exited, or its stream failed or closed.</summary>
    private async Task<(SessionEnd End, string? Message)> WhyTheStreamEndedAsync()
    {
        var error = await _main!.Completion.ConfigureAwait(false);
        if (await HasExitedAsync().ConfigureAwait(false))
        {
            return Exited();
        }
        Log.StreamFaulted(_logger, _pid, error);
        return (SessionEnd.Faulted, error is not null
            ? $"The event stream of process {_pid} failed: {error.Message}"
            : $"The event stream of process {_pid} ended unexpectedly.");
    }

    private (SessionEnd End, string? Message) Exited()
    {
        Log.TargetExited(_logger, _pid);
        return (SessionEnd.ProcessExited, $"Process {_pid} exited.");
    }

    /// <summary>Exports the partial last period, closes the streams and waits until the queued profiles are exported.</summary>
    private async Task FlushAsync()
    {
        try
        {
            await EndPeriodAsync(final: true).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.StreamFaulted(_logger, _pid, e);
        }
        try
        {
            await _main!.DisposeAsync().ConfigureAwait(false);
            if (_exceptionSlicer is not null)
            {
                await _exceptionSlicer.DisposeAsync().ConfigureAwait(false);
            }
            if (_contentionSlicer is not null)
            {
                await _contentionSlicer.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            Log.StreamFaulted(_logger, _pid, e);
        }
        _kernelCpu?.Dispose();
        await _exports.CompleteAsync().ConfigureAwait(false);
    }

    private async Task EndPeriodAsync(bool final)
    {
        var recorded = _recorder!.Cut(_time.GetUtcNow(), length => (_exceptionSlicer?.TakeCoverage(length) ?? 1, _exceptionSlicer?.TakeRuntimeRate()),
            length => _contentionSlicer?.TakeCoverage(length) ?? 1);
        _main?.RequestTrim();
        _exceptionSlicer?.RequestTrim();
        _contentionSlicer?.RequestTrim();
        var threads = _cpu.Lap();
        if (final && (recorded.Samples.Values.Count == 0 || recorded.End - recorded.Start < MinimumFinalPeriod))
        {
            return;
        }

        var period = await _assembler!.AssembleAsync(recorded, threads, _client, _procFs.IsAlive(_pid),
            () => (long)(_main?.Source.EventsLost ?? 0) + (_exceptionSlicer?.EventsLost ?? 0) + (_contentionSlicer?.EventsLost ?? 0)).ConfigureAwait(false);
        Interlocked.Increment(ref _periods);
        _exports.Enqueue(period.Upload);
        try
        {
            PeriodCompleted?.Invoke(period.Statistics, period.Profile);
        }
        catch (Exception e)
        {
            Log.StreamFaulted(_logger, _pid, e);
        }
    }

    /// <summary>
    /// Whether the target is gone, allowing for the moment in which a killed process has already closed its
    /// diagnostic stream but is still being torn down (and so still looks alive in /proc).
    /// </summary>
    private async Task<bool> HasExitedAsync()
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            if (!_procFs.IsAlive(_pid))
            {
                return true;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), _time).ConfigureAwait(false);
        }
        return !_procFs.IsAlive(_pid);
    }

    private void Finish(SessionState state, SessionEnd end, string message)
    {
        // The client is used no more: the socket it connected through is let go.
        Interlocked.Exchange(ref _socket, null)?.Dispose();
        _state = state;
        _completion.TrySetResult(new SessionResult(end, _attach?.Outcome ?? AttachOutcome.ProcessNotFound, message, _periods, _exports.Dropped, _exports.Failed));
    }
}
