using System.Globalization;
using System.Threading.Channels;
using Flamewatch.Profiling.Aggregation;
using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Export;
using Flamewatch.Profiling.Heap;
using Flamewatch.Profiling.Os;
using Flamewatch.Profiling.Pprof;
using Flamewatch.Profiling.Sampling;
using Flamewatch.Profiling.Symbols;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;
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
/// </summary>
internal sealed class ProfilingSession : IAsyncDisposable
{
    private const long RuntimeKeywords = (long)(ClrTraceEventParser.Keywords.Jit | ClrTraceEventParser.Keywords.Loader | ClrTraceEventParser.Keywords.GC);
    private const long AllocationSamplingKeyword = 0x80000000000;
    private const long ContentionKeyword = 0x4000;

    /// <summary>A partial last period shorter than this is not exported (it would only replace a full one with noise).</summary>
    private static readonly TimeSpan MinimumFinalPeriod = TimeSpan.FromSeconds(1);

    private readonly int _pid;
    private readonly DiagnosticEndpoint? _endpoint;
    private readonly ProcFs _procFs;
    private readonly ProfilingOptions _options;
    private readonly IProfileExporter _exporter;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly LateBinder _binder;
    private readonly ThreadCpuClock _cpu;
    private ThreadCpuSampler? _kernelCpu;
    private readonly LiveHeapTracker _heap = new();
    private readonly ExceptionSampler _exceptions = new();
    private readonly ContentionTimer _contention = new();
    private readonly Lock _gate = new();
    private readonly Channel<ProfileUpload> _uploads;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<SessionResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);

    private SessionState _state = SessionState.Unstarted;
    private AttachResult? _attach;
    private DiagnosticsClient? _client;
    private TraceStream? _main;
    private ExceptionSlicer? _exceptionSlicer;
    private SampleAggregator _current = new(DateTimeOffset.MinValue);
    private SampleWeigher _mainWeigher = new(SamplerRate.DefaultIntervalMs);
    private DutyCycledSampler? _dutyCycled;
    private bool _continuous;
    private bool _useTicks;
    private long? _gcHeapBytes;
    private int _periods;
    private long _dropped;
    private long _failedExports;
    private Task? _run;
    private Task? _export;

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
        _exporter = exporter;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _binder = new LateBinder(pid, procFs, _logger);
        _cpu = new ThreadCpuClock(pid, procFs);
        _uploads = Channel.CreateBounded<ProfileUpload>(new BoundedChannelOptions(options.ExportQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public int ProcessId => _pid;

    public SessionState State => _state;

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
            if (!_attach.Succeeded)
            {
                Log.AttachFailed(_logger, _pid, _attach.Message);
                Finish(SessionState.Aborted, SessionEnd.AttachFailed, _attach.Message);
                return _attach;
            }
            _client = _attach.Client!;
            Log.Attached(_logger, _pid);

            var intervalMs = SamplerRate.ExpectedIntervalMs(_attach.Environment);
            _continuous = _options.Sampling && SamplerRate.IsContinuous(intervalMs, _options.FrequencyHz);
            if (_options.Sampling && !_continuous)
            {
                // Slices are short: the kernel's CPU readings run only then, every 2 ms.
                _kernelCpu = new ThreadCpuSampler(_pid, _procFs, TimeSpan.FromMilliseconds(2));
                _dutyCycled = new DutyCycledSampler(_client, _pid, _options.FrequencyHz, intervalMs, OnThreadSample, _logger, _time, _kernelCpu);
            }
            else if (_options.Sampling)
            {
                // Sampling all the time: coarser readings keep their cost down.
                _kernelCpu = new ThreadCpuSampler(_pid, _procFs, TimeSpan.FromMilliseconds(20));
                _kernelCpu.Resume();
            }
            _mainWeigher = new SampleWeigher(intervalMs);
            // AllocationSampled exists from .NET 10 only; an unknown runtime gets the events every supported one has.
            _useTicks = _options.UseAllocationTicks || _attach.Runtime is not { HasAllocationSampling: true };
            Log.RateMode(_logger, _pid, intervalMs, _continuous ? "continuous" : "duty-cycled", _options.FrequencyHz);

            try
            {
                _main = await TraceStream.StartAsync(_client, MainConfiguration(), cancellationToken).ConfigureAwait(false);
                if (_options.Exceptions)
                {
                    _exceptionSlicer = new ExceptionSlicer(_client, _pid, SubscribeExceptions, _logger, _time);
                    await _exceptionSlicer.StartAsync(cancellationToken).ConfigureAwait(false);
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
                var message = exited ? $"Process {_pid} exited while attaching." : $"Cannot start an EventPipe session in process {_pid}: {e.Message}";
                _attach = AttachResult.Failed(exited ? AttachOutcome.ProcessExited : AttachOutcome.NoDiagnosticSocket, message);
                _kernelCpu?.Dispose();
                Log.AttachFailed(_logger, _pid, message);
                Finish(SessionState.Aborted, SessionEnd.AttachFailed, message);
                return _attach;
            }
            SubscribeMain(_main);
            _current = new SampleAggregator(_time.GetUtcNow());
            _cpu.Start();
            _main.Run($"flamewatch-{_pid}");
            _state = SessionState.Running;
            _export = Task.Run(ExportLoopAsync, CancellationToken.None);
            _run = Task.Run(RunAsync, CancellationToken.None);
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

    private EventPipeSessionConfiguration MainConfiguration()
    {
        var keywords = RuntimeKeywords;
        // MethodLoadVerbose (the names of code JIT'd while attached, dynamic methods included) is a Verbose event; at
        // Informational only rundown named code, and code JIT'd and freed within a period stayed an address.
        var level = System.Diagnostics.Tracing.EventLevel.Verbose;
        if (_options.Allocations)
        {
            if (!_useTicks)
            {
                // Also turns GCAllocationTick off for the whole process (on .NET 8 and 9 the Verbose GC level brings it).
                keywords |= AllocationSamplingKeyword;
            }
            keywords |= _options.HeapLiveSize ? LiveHeapTracker.Keywords : 0;
        }
        // Contention events carry the waiting thread's stack (the session walks stacks). Exceptions have their own session.
        keywords |= _options.LockContention ? ContentionKeyword : 0;
        var providers = new List<EventPipeProvider> { new(ClrTraceEventParser.ProviderName, level, keywords) };
        if (_continuous)
        {
            providers.Add(DutyCycledSampler.Provider());
        }
        return new EventPipeSessionConfiguration(providers, circularBufferSizeMB: 64, requestRundown: false, requestStackwalk: true);
    }

    private void SubscribeExceptions(TraceStream stream) =>
        stream.Source.Clr.ExceptionStart += e =>
        {
            // The type only: the message can hold personal data.
            _exceptionSlicer?.OnEvent();
            var stack = stream.StackOf(e);
            var type = e.ExceptionType;
            lock (_gate)
            {
                _exceptions.Add(string.IsNullOrEmpty(type) ? "(unknown)" : type, stack, e.ThreadID);
            }
        };

    private void SubscribeMain(TraceStream stream)
    {
        var clr = stream.Source.Clr;
        clr.MethodLoadVerbose += e => _binder.Methods.Add(e.MethodStartAddress, (uint)e.MethodSize, e.MethodNamespace, e.MethodName);
        clr.MethodUnloadVerbose += e => _binder.Methods.Unload(e.MethodStartAddress);
        clr.GCHeapStats += e =>
        {
            lock (_gate)
            {
                _gcHeapBytes = e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4;
            }
        };
        if (_options.Allocations)
        {
            clr.AllocationSampling += e =>
            {
                var stack = stream.StackOf(e);
                var count = AllocationEstimator.Count(e.ObjectSize);
                var bytes = AllocationEstimator.Bytes(e.ObjectSize);
                lock (_gate)
                {
                    _current.AddAllocation(stack, e.ThreadID, e.TypeName, count, bytes);
                    if (_options.HeapLiveSize)
                    {
                        _heap.OnAllocation(e.Address, bytes, stack, e.ThreadID, e.TypeName, e.AllocationKind);
                    }
                }
            };
            clr.GCAllocationTick += e =>
            {
                if (!_useTicks)
                {
                    return;
                }
                // The object that crossed the runtime's ~100 KB threshold stands for every byte allocated since the
                // last tick of that allocation context: byte-systematic sampling, unbiased at a random phase.
                var stack = stream.StackOf(e);
                var size = e.ObjectSize > 0 ? e.ObjectSize : 0;
                var bytes = (double)e.AllocationAmount64;
                lock (_gate)
                {
                    _current.AddAllocation(stack, e.ThreadID, e.TypeName, size > 0 ? bytes / size : 1, bytes);
                    if (_options.HeapLiveSize)
                    {
                        _heap.OnAllocation(e.Address, bytes, stack, e.ThreadID, e.TypeName, e.AllocationKind);
                    }
                }
            };
            if (_options.HeapLiveSize)
            {
                _heap.Subscribe(clr, _gate, () => stream.Source.EventsLost);
            }
        }
        if (_options.LockContention)
        {
            clr.ContentionStart += e =>
            {
                var stack = stream.StackOf(e);
                lock (_gate)
                {
                    _contention.Start(e.ThreadID, e.TimeStampRelativeMSec, stack);
                }
            };
            clr.ContentionStop += e =>
            {
                var stack = stream.StackOf(e);
                // ContentionStop_V1 (.NET 8 and later) carries the wait's duration; earlier versions are paired with their start.
                double? duration = e.Version >= 1 ? e.DurationNs : null;
                lock (_gate)
                {
                    if (_contention.Stop(e.ThreadID, e.TimeStampRelativeMSec, duration, stack) is { } wait)
                    {
                        _current.AddWait(wait.Stack, e.ThreadID, wait.Nanoseconds);
                    }
                }
            };
        }
        if (_continuous)
        {
            var sampler = new SampleProfilerTraceEventParser(stream.Source);
            sampler.ThreadSample += e => OnThreadSample(stream, _mainWeigher, e);
        }
    }

    private void OnThreadSample(TraceStream stream, SampleWeigher weigher, ClrThreadSampleTraceData e)
    {
        var (weight, newRoundMs) = weigher.Add(e.ThreadID, e.TimeStampRelativeMSec);
        var stack = stream.StackOf(e);
        // EventPipe's raw timestamps are the monotonic clock the kernel readings use ("discouraged" by TraceEvent in
        // favour of session-relative times, which cannot be matched with readings taken outside the trace).
#pragma warning disable CS0618
        var at = e.TimeStampQPC;
#pragma warning restore CS0618
        // A sample in managed code was running; the kernel's readings tell about the others (blocked, native, or a
        // busy loop that the runtime marked external).
        var managed = e.Type == ClrThreadSampleType.Managed;
        var share = _kernelCpu?.CpuShare(e.ThreadID, at - (long)(weight * System.Diagnostics.Stopwatch.Frequency / 1000), at) is { } kernel
            ? managed ? 1 : kernel
            : (double?)null;
        lock (_gate)
        {
            if (newRoundMs > 0)
            {
                _current.AddRound(newRoundMs);
            }
            _current.AddThreadSample(stack, e.ThreadID, managed, weight, share);
        }
    }

    private async Task RunAsync()
    {
        var end = SessionEnd.Stopped;
        string? message = null;
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
                DateTimeOffset periodStart;
                lock (_gate)
                {
                    periodStart = _current.Start;
                }
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
                end = SessionEnd.ProcessExited;
                message = $"Process {_pid} exited.";
                Log.TargetExited(_logger, _pid);
            }
            else
            {
                end = SessionEnd.Faulted;
                message = $"Profiling process {_pid} failed: {e.Message}";
                Log.StreamFaulted(_logger, _pid, e);
            }
        }

        if (end == SessionEnd.Stopped && !_stopping.IsCancellationRequested)
        {
            var error = await _main.Completion.ConfigureAwait(false);
            if (await HasExitedAsync().ConfigureAwait(false))
            {
                end = SessionEnd.ProcessExited;
                message = $"Process {_pid} exited.";
                Log.TargetExited(_logger, _pid);
            }
            else if (error is not null)
            {
                end = SessionEnd.Faulted;
                message = $"The event stream of process {_pid} failed: {error.Message}";
                Log.StreamFaulted(_logger, _pid, error);
            }
            else
            {
                end = SessionEnd.Faulted;
                message = $"The event stream of process {_pid} ended unexpectedly.";
                Log.StreamFaulted(_logger, _pid, null);
            }
        }
        _state = SessionState.Stopping;
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
            await _main.DisposeAsync().ConfigureAwait(false);
            if (_exceptionSlicer is not null)
            {
                await _exceptionSlicer.DisposeAsync().ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            Log.StreamFaulted(_logger, _pid, e);
        }
        _kernelCpu?.Dispose();
        _uploads.Writer.TryComplete();
        if (_export is not null)
        {
            await _export.ConfigureAwait(false);
        }
        Finish(SessionState.Stopped, end, message ?? $"Stopped profiling process {_pid}.");
    }

    private async Task EndPeriodAsync(bool final)
    {
        var end = _time.GetUtcNow();
        SampleAggregator period;
        long? gcHeap;
        var liveScale = 1.0;
        ExceptionPeriod exceptions;
        long unpairedWaits;
        lock (_gate)
        {
            gcHeap = _gcHeapBytes;
            period = _current;
            _current = new SampleAggregator(end);
            exceptions = _exceptions.Drain(period, _exceptionSlicer?.TakeCoverage(end - period.Start) ?? 1);
            unpairedWaits = _contention.Unpaired;
            if (_options.HeapLiveSize)
            {
                liveScale = LiveScale(_heap.TotalBytes(), gcHeap);
                _heap.AddLiveTo(period, liveScale);
            }
        }
        _main?.RequestTrim();
        _exceptionSlicer?.RequestTrim();
        var threads = _cpu.Lap();
        if (final && (period.Values.Count == 0 || end - period.Start < MinimumFinalPeriod))
        {
            return;
        }

        var (unresolved, unresolvedSamples) = await _binder.BindAsync(period, _client, allowRundown: _procFs.IsAlive(_pid)).ConfigureAwait(false);
        var comments = new List<string>
        {
            $"flamewatch: effective sampling {(period.Rounds / Math.Max(0.001, (end - period.Start).TotalSeconds)).ToString("F1", CultureInfo.InvariantCulture)} Hz ({(_continuous ? "continuous" : "duty-cycled")})",
            string.Create(CultureInfo.InvariantCulture,
                $"flamewatch: unresolved-samples={unresolvedSamples} of {period.ThreadSamples} ({(period.ThreadSamples == 0 ? 0 : (double)unresolvedSamples / period.ThreadSamples):P2}) have a frame no method covers"),
        };
        if (_attach?.Runtime is { } runtime)
        {
            comments.Add($"flamewatch: runtime .NET {runtime}; allocations from {(_useTicks ? "GCAllocationTick (estimated counts)" : "AllocationSampled")}");
        }
        if (gcHeap is { } heapBytes)
        {
            comments.Add($"gc-heap-size-bytes={heapBytes.ToString(CultureInfo.InvariantCulture)}");
        }
        if (_options.Exceptions)
        {
            comments.Add(string.Create(CultureInfo.InvariantCulture,
                $"flamewatch: exceptions {exceptions.Seen} thrown, {exceptions.Types} types; {exceptions.Kept} throw stacks kept (exact up to {ExceptionSampler.MaxExactKeys} type×stack×thread keys, then sampled: at most {ExceptionSampler.StacksPerType} stacks per type, {ExceptionSampler.MaxTypes} types per period); {(exceptions.Upscaled ? "values upscaled: each sampled stack counts for its type's sampled throws ÷ kept stacks" : "values exact")}; dropped={exceptions.Dropped}"));
            if (exceptions.Coverage < 1)
            {
                comments.Add(string.Create(CultureInfo.InvariantCulture,
                    $"flamewatch: exceptions observed {exceptions.Coverage:P1} of the period (the process threw over {ExceptionSlicer.SteadyRate:F0}/s); values upscaled by {1 / exceptions.Coverage:F1}"));
            }
        }
        if (_options.LockContention)
        {
            comments.Add(string.Create(CultureInfo.InvariantCulture,
                $"flamewatch: lock contention {period.Waits} waits; dropped={period.DroppedWaits} (at most {SampleAggregator.MaxContentionKeys} stack×thread keys per period); unpaired events since start={unpairedWaits}"));
        }
        if ((_main?.Source.EventsLost ?? 0) + (_exceptionSlicer?.EventsLost ?? 0) is > 0 and var lost && (_options.Exceptions || _options.LockContention))
        {
            comments.Add(string.Create(CultureInfo.InvariantCulture, $"flamewatch: events lost by the runtime's buffer since start={lost}"));
        }
        if (liveScale < 1)
        {
            comments.Add($"flamewatch: inuse-space scaled by {liveScale.ToString("F3", CultureInfo.InvariantCulture)} to the GC heap size (the sampled estimate exceeded it)");
        }
        var profile = PeriodProfileBuilder.Build(period, end, threads, _binder.Resolve, 1_000_000_000L / _options.FrequencyHz, comments, _options.ProfileTypes);
        _binder.Methods.EndPeriod();
        var bytes = PprofWriter.Write(profile);
        var seconds = Math.Max(0.001, (end - period.Start).TotalSeconds);
        var statistics = new PeriodStatistics(period.Start, end, period.Rounds, period.Rounds / seconds, !_continuous, period.ThreadSamples,
            period.AllocationSamples, unresolved, bytes.Length, gcHeap, unresolvedSamples);
        Interlocked.Increment(ref _periods);
        Log.PeriodCompleted(_logger, _pid, seconds, period.Rounds, statistics.EffectiveFrequencyHz, period.AllocationSamples, unresolved, bytes.Length);

        var tags = new Dictionary<string, string>(_options.Tags)
        {
            ["process_id"] = _pid.ToString(CultureInfo.InvariantCulture),
        };
        if (_attach?.Runtime is { } version)
        {
            tags.TryAdd("runtime_version", version.Text);
        }
        var upload = new ProfileUpload(_options.ApplicationName, period.Start, end, tags, [new ProfileAttachment(ProfileAttachment.DefaultName, bytes)]);
        if (!_uploads.Writer.TryWrite(upload))
        {
            var dropped = Interlocked.Increment(ref _dropped);
            Log.ProfileDropped(_logger, _pid, dropped);
        }
        try
        {
            PeriodCompleted?.Invoke(statistics, profile);
        }
        catch (Exception e)
        {
            Log.StreamFaulted(_logger, _pid, e);
        }
    }

    /// <summary>
    /// Live bytes can never exceed the GC heap measured after the last GC; a sampled estimate above it (sampling noise
    /// on a small heap) is scaled down to it, and the profile says so.
    /// </summary>
    internal static double LiveScale(double estimatedLiveBytes, long? gcHeapBytes) =>
        gcHeapBytes is long heap && heap > 0 && estimatedLiveBytes > heap ? heap / estimatedLiveBytes : 1;

    private async Task ExportLoopAsync()
    {
        await foreach (var upload in _uploads.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await _exporter.ExportAsync(upload, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _failedExports);
                Log.ExportFailed(_logger, _pid, e);
            }
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
        _state = state;
        _completion.TrySetResult(new SessionResult(end, _attach?.Outcome ?? AttachOutcome.ProcessNotFound, message, _periods,
            Interlocked.Read(ref _dropped), Interlocked.Read(ref _failedExports)));
    }
}
