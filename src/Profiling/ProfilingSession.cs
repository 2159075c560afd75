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

    /// <summary>A partial last period shorter than this is not exported (it would only replace a full one with noise).</summary>
    private static readonly TimeSpan MinimumFinalPeriod = TimeSpan.FromSeconds(1);

    private readonly int _pid;
    private readonly ProfilingOptions _options;
    private readonly IProfileExporter _exporter;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly MethodTable _methods = new();
    private readonly LiveHeapTracker _heap = new();
    private readonly Lock _gate = new();
    private readonly Channel<ProfileUpload> _uploads;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<SessionResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);

    private SessionState _state = SessionState.Unstarted;
    private AttachResult? _attach;
    private DiagnosticsClient? _client;
    private TraceStream? _main;
    private SampleAggregator _current = new(DateTimeOffset.MinValue);
    private SampleWeigher _mainWeigher = new(SamplerRate.DefaultIntervalMs);
    private Dictionary<int, long> _cpuAtPeriodStart = [];
    private double _sliceIntervalMs = SamplerRate.DefaultIntervalMs;
    private bool _continuous;
    private bool _useTicks;
    private long? _gcHeapBytes;
    private int _periods;
    private long _dropped;
    private long _failedExports;
    private Task? _run;
    private Task? _export;

    public ProfilingSession(int pid, ProfilingOptions options, IProfileExporter exporter, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }
        _pid = pid;
        _options = options;
        _exporter = exporter;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
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
            _attach = await TargetAttacher.AttachAsync(_pid, cancellationToken).ConfigureAwait(false);
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
            _sliceIntervalMs = intervalMs;
            _mainWeigher = new SampleWeigher(intervalMs);
            _useTicks = _options.UseAllocationTicks || ProcFs.RuntimeMajorVersion(_pid) is < 10;
            Log.RateMode(_logger, _pid, intervalMs, _continuous ? "continuous" : "duty-cycled", _options.FrequencyHz);

            try
            {
                _main = await TraceStream.StartAsync(_client, MainConfiguration(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var exited = !IsAlive();
                var message = exited ? $"Process {_pid} exited while attaching." : $"Cannot start an EventPipe session in process {_pid}: {e.Message}";
                _attach = AttachResult.Failed(exited ? AttachOutcome.ProcessExited : AttachOutcome.NoDiagnosticSocket, message);
                Log.AttachFailed(_logger, _pid, message);
                Finish(SessionState.Aborted, SessionEnd.AttachFailed, message);
                return _attach;
            }
            SubscribeMain(_main);
            _current = new SampleAggregator(_time.GetUtcNow());
            _cpuAtPeriodStart = CpuTicksByThread();
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
        var level = System.Diagnostics.Tracing.EventLevel.Informational;
        if (_options.Allocations)
        {
            if (_useTicks)
            {
                // GCAllocationTick needs GC at Verbose.
                level = System.Diagnostics.Tracing.EventLevel.Verbose;
            }
            else
            {
                keywords |= AllocationSamplingKeyword | (_options.HeapLiveSize ? LiveHeapTracker.Keywords : 0);
            }
        }
        var providers = new List<EventPipeProvider> { new(ClrTraceEventParser.ProviderName, level, keywords) };
        if (_continuous)
        {
            providers.Add(SamplerProvider());
        }
        return new EventPipeSessionConfiguration(providers, circularBufferSizeMB: 64, requestRundown: false, requestStackwalk: true);
    }

    private static EventPipeProvider SamplerProvider() =>
        new(SampleProfilerTraceEventParser.ProviderName, System.Diagnostics.Tracing.EventLevel.Informational, 0);

    private void SubscribeMain(TraceStream stream)
    {
        var clr = stream.Source.Clr;
        clr.MethodLoadVerbose += e => _methods.Add(e.MethodStartAddress, (uint)e.MethodSize, e.MethodNamespace, e.MethodName);
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
                        _heap.OnAllocation(e.Address, e.ObjectSize, bytes, stack, e.ThreadID, e.TypeName, e.AllocationKind == GCAllocationKind.Large);
                    }
                }
            };
            clr.GCAllocationTick += e =>
            {
                if (!_useTicks)
                {
                    return;
                }
                var stack = stream.StackOf(e);
                var size = e.ObjectSize > 0 ? e.ObjectSize : 0;
                var bytes = (double)e.AllocationAmount64;
                lock (_gate)
                {
                    _current.AddAllocation(stack, e.ThreadID, e.TypeName, size > 0 ? bytes / size : 1, bytes);
                }
            };
            if (_options.HeapLiveSize)
            {
                _heap.Subscribe(clr, _gate);
            }
        }
        if (_continuous)
        {
            var sampler = new SampleProfilerTraceEventParser(stream.Source);
            sampler.ThreadSample += e => OnThreadSample(stream, _mainWeigher, e, null);
        }
    }

    private void OnThreadSample(TraceStream stream, SampleWeigher weigher, ClrThreadSampleTraceData e, Func<bool>? accept)
    {
        if (accept is not null && !accept())
        {
            return;
        }
        var (weight, newRoundMs) = weigher.Add(e.ThreadID, e.TimeStampRelativeMSec);
        var stack = stream.StackOf(e);
        lock (_gate)
        {
            if (newRoundMs > 0)
            {
                _current.AddRound(newRoundMs);
            }
            _current.AddThreadSample(stack, e.ThreadID, e.Type == ClrThreadSampleType.Managed, weight);
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
                if (_continuous)
                {
                    await DelayUntilAsync(periodEnd, ended).ConfigureAwait(false);
                }
                else if (_options.Sampling)
                {
                    await RunDutyCycleAsync(periodStart, periodEnd, ended).ConfigureAwait(false);
                }
                else
                {
                    await DelayUntilAsync(periodEnd, ended).ConfigureAwait(false);
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
            // A failure of this collector must end the session cleanly, never escape.
            end = SessionEnd.Faulted;
            message = $"Profiling process {_pid} failed: {e.Message}";
            Log.StreamFaulted(_logger, _pid, e);
        }

        if (end == SessionEnd.Stopped && !_stopping.IsCancellationRequested)
        {
            var error = await _main.Completion.ConfigureAwait(false);
            // A killed target closes its diagnostic socket before it is gone from /proc: give it a moment, so that
            // its death is not reported as a stream fault.
            for (var i = 0; i < 20 && IsAlive(); i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time).ConfigureAwait(false);
            }
            if (IsAlive() && error is not null)
            {
                end = SessionEnd.Faulted;
                message = $"The event stream of process {_pid} failed: {error.Message}";
                Log.StreamFaulted(_logger, _pid, error);
            }
            else if (!IsAlive())
            {
                end = SessionEnd.ProcessExited;
                message = $"Process {_pid} exited.";
                Log.TargetExited(_logger, _pid);
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
        }
        catch (Exception e)
        {
            Log.StreamFaulted(_logger, _pid, e);
        }
        _uploads.Writer.TryComplete();
        if (_export is not null)
        {
            await _export.ConfigureAwait(false);
        }
        Finish(SessionState.Stopped, end, message ?? $"Stopped profiling process {_pid}.");
    }

    /// <summary>
    /// Runs the sampler in slices during one period so that it holds frequency × period rounds. The period is split
    /// into cycles of ≈10 s; each cycle gets one slice at a random phase, sized from the measured round interval, and
    /// the slice stops as soon as the cycle's share of rounds is reached (rounds after that are ignored).
    /// </summary>
    private async Task RunDutyCycleAsync(DateTimeOffset periodStart, DateTimeOffset periodEnd, CancellationToken cancellationToken)
    {
        var period = periodEnd - periodStart;
        var cycles = Math.Max(1, (int)Math.Round(period.TotalSeconds / 10));
        var cycle = period / cycles;
        long rounds = 0;
        for (var c = 0; c < cycles; c++)
        {
            var cycleEnd = periodStart + (cycle * (c + 1));
            var target = (long)Math.Round(_options.FrequencyHz * (cycle * (c + 1)).TotalSeconds) - rounds;
            if (target > 0)
            {
                // Start at a random point that leaves room for twice the expected on-time plus session start-up, so
                // that a slowed-down sampler (a loaded machine) still reaches the target before the cycle ends.
                var onTime = TimeSpan.FromMilliseconds(target * _sliceIntervalMs * 2) + TimeSpan.FromMilliseconds(500);
                var room = cycleEnd - _time.GetUtcNow() - onTime;
                if (room > TimeSpan.Zero)
                {
                    await Task.Delay(room * Random.Shared.NextDouble(), _time, cancellationToken).ConfigureAwait(false);
                }
                rounds += await RunSliceAsync(target, cycleEnd, cancellationToken).ConfigureAwait(false);
            }
            await DelayUntilAsync(cycleEnd, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<long> RunSliceAsync(long targetRounds, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var weigher = new SampleWeigher(_sliceIntervalMs);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = false;
        TraceStream? stream = null;
        try
        {
            var configuration = new EventPipeSessionConfiguration([SamplerProvider()], circularBufferSizeMB: 16, requestRundown: false, requestStackwalk: true);
            stream = await TraceStream.StartAsync(_client!, configuration, cancellationToken).ConfigureAwait(false);
            var sampler = new SampleProfilerTraceEventParser(stream.Source);
            var current = stream;
            sampler.ThreadSample += e => OnThreadSample(current, weigher, e, () =>
            {
                if (closed)
                {
                    return false;
                }
                // A sample of a new round beyond the target closes the slice.
                if (weigher.Rounds >= targetRounds && weigher.WouldStartRound(e.ThreadID, e.TimeStampRelativeMSec))
                {
                    closed = true;
                    reached.TrySetResult();
                    return false;
                }
                return true;
            });
            stream.Run($"flamewatch-{_pid}-sampler");
            var remaining = deadline - _time.GetUtcNow();
            await Task.WhenAny(reached.Task, stream.Completion, Task.Delay(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, _time, cancellationToken))
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.SliceFailed(_logger, _pid, e);
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
        if (weigher.Rounds >= 5)
        {
            _sliceIntervalMs = weigher.NominalIntervalMs;
        }
        cancellationToken.ThrowIfCancellationRequested();
        return Math.Min(weigher.Rounds, targetRounds);
    }

    private async Task EndPeriodAsync(bool final)
    {
        var end = _time.GetUtcNow();
        SampleAggregator period;
        long? gcHeap;
        lock (_gate)
        {
            gcHeap = _gcHeapBytes;
            period = _current;
            _current = new SampleAggregator(end);
            if (_options.HeapLiveSize && !_useTicks)
            {
                _heap.AddLiveTo(period);
            }
        }
        _main?.RequestTrim();
        var cpuNow = CpuTicksByThread(out var names);
        var threads = new Dictionary<int, ThreadCpu>();
        foreach (var (tid, ticks) in cpuNow)
        {
            long? cpuNs = null;
            if (ticks >= 0)
            {
                cpuNs = (ticks - _cpuAtPeriodStart.GetValueOrDefault(tid)) * (1_000_000_000 / ProcFs.ClockTicksPerSecond);
            }
            threads[tid] = new ThreadCpu(names[tid], cpuNs);
        }
        _cpuAtPeriodStart = cpuNow;
        if (final && (period.Values.Count == 0 || end - period.Start < MinimumFinalPeriod))
        {
            return;
        }

        var unresolved = await ResolveAsync(period, allowRundown: IsAlive()).ConfigureAwait(false);
        var comments = new List<string>
        {
            $"flamewatch: effective sampling {(period.Rounds / Math.Max(0.001, (end - period.Start).TotalSeconds)).ToString("F1", CultureInfo.InvariantCulture)} Hz ({(_continuous ? "continuous" : "duty-cycled")})",
        };
        if (gcHeap is { } heapBytes)
        {
            comments.Add($"gc-heap-size-bytes={heapBytes.ToString(CultureInfo.InvariantCulture)}");
        }
        var profile = PeriodProfileBuilder.Build(period, end, threads, Resolve, 1_000_000_000L / _options.FrequencyHz, comments, _options.ProfileTypes);
        var bytes = PprofWriter.Write(profile);
        var seconds = Math.Max(0.001, (end - period.Start).TotalSeconds);
        var statistics = new PeriodStatistics(period.Start, end, period.Rounds, period.Rounds / seconds, !_continuous, period.ThreadSamples,
            period.AllocationSamples, unresolved, bytes.Length, gcHeap);
        Interlocked.Increment(ref _periods);
        Log.PeriodCompleted(_logger, _pid, seconds, period.Rounds, statistics.EffectiveFrequencyHz, period.AllocationSamples, unresolved, bytes.Length);

        var tags = new Dictionary<string, string>(_options.Tags)
        {
            ["process_id"] = _pid.ToString(CultureInfo.InvariantCulture),
        };
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
    /// Late binding: resolve every frame of the period against the method table; if some stay unknown (code that was
    /// JIT'd before attach, or ReadyToRun code first used since), run a short rundown and try again.
    /// Returns how many distinct frames stayed unresolved.
    /// </summary>
    private async Task<int> ResolveAsync(SampleAggregator period, bool allowRundown)
    {
        var unresolved = CountUnresolved(period);
        if (unresolved > 0 && allowRundown && _client is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await Rundown.RunAsync(_client, _methods, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.RundownFailed(_logger, _pid, e);
            }
            unresolved = CountUnresolved(period);
        }
        return unresolved;
    }

    private int CountUnresolved(SampleAggregator period)
    {
        var unresolved = new HashSet<ulong>();
        foreach (var stack in period.Stacks)
        {
            for (var i = 0; i < stack.Length; i++)
            {
                var address = i == 0 ? stack[i] : stack[i] - 1;
                if (_methods.Resolve(address) is null)
                {
                    unresolved.Add(address);
                }
            }
        }
        return unresolved.Count;
    }

    // Callers' frames hold return addresses, which may sit just past the call's method: look up address − 1.
    private string Resolve(ulong address, bool leaf) =>
        _methods.Resolve(leaf ? address : address - 1) ?? $"0x{address.ToString("x", CultureInfo.InvariantCulture)}";

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

    private Dictionary<int, long> CpuTicksByThread() => CpuTicksByThread(out _);

    private Dictionary<int, long> CpuTicksByThread(out Dictionary<int, string> names)
    {
        var ticks = new Dictionary<int, long>();
        names = [];
        foreach (var thread in ProcFs.Threads(_pid))
        {
            ticks[thread.NamespaceTid] = thread.CpuTicks;
            names[thread.NamespaceTid] = thread.Name;
        }
        return ticks;
    }

    private bool IsAlive() => ProcFs.Exists(_pid) && !IsZombie();

    private bool IsZombie() => ProcFs.State(_pid) is 'Z' or 'X';

    private async Task DelayUntilAsync(DateTimeOffset when, CancellationToken cancellationToken)
    {
        var wait = when - _time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void Finish(SessionState state, SessionEnd end, string message)
    {
        _state = state;
        _completion.TrySetResult(new SessionResult(end, _attach?.Outcome ?? AttachOutcome.ProcessNotFound, message, _periods,
            Interlocked.Read(ref _dropped), Interlocked.Read(ref _failedExports)));
    }
}
