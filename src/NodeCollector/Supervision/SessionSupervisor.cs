using System.Globalization;
using Flamewatch.Kubernetes.Events;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.NodeCollector.Discovery;
using Flamewatch.NodeCollector.Export;
using Flamewatch.NodeCollector.Hosting;
using Flamewatch.NodeCollector.Metrics;
using Flamewatch.Profiling;
using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Export;
using Flamewatch.Profiling.Os;
using Flamewatch.Settings;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Supervision;

/// <summary>
/// The session supervisor's applier. On every pod change (informer) and every <see cref="CollectorOptions.RescanInterval"/>
/// it scans the node for the processes of the annotated pods, asks <see cref="SessionPlanner"/> what to change, and applies
/// the plan: each start, stop and update runs on its own task under its own timeout, so one hung, dying or flooding
/// process never holds up the others or the loop. A failed attach backs the process off exponentially. Settings changes
/// flush the current period (the old session stops and exports its partial period) while a new session with the new
/// settings attaches at once. At shutdown every session is stopped and its partial period flushed.
/// </summary>
internal sealed class SessionSupervisor(
    IInformer<V1Pod> pods,
    ProcessDiscovery discovery,
    ProcFs procFs,
    ExporterPool exporters,
    EventRecorder events,
    CollectorMetrics metrics,
    IOptions<CollectorOptions> options,
    TimeProvider time,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private static readonly TimeSpan s_firstBackoff = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromMinutes(5);

    private readonly ILogger _logger = loggerFactory.CreateLogger<SessionSupervisor>();
    private readonly ILogger _sessionLogger = loggerFactory.CreateLogger("Flamewatch.Profiling");
    private readonly Lock _lock = new();
    private readonly Dictionary<ProcessKey, ManagedSession> _sessions = [];
    private readonly HashSet<ManagedSession> _stopping = [];
    private readonly Dictionary<ProcessKey, (DateTimeOffset RetryAt, TimeSpan Backoff)> _backoff = [];
    private readonly SemaphoreSlim _trigger = new(0, 1);
    private IReadOnlyDictionary<string, int> _noProcessScans = new Dictionary<string, int>();
    private HashSet<string> _knownPods = [];
    private DateTimeOffset _lastPass = DateTimeOffset.MinValue;

    /// <summary>When the last pass of the loop finished (for /healthz); the start time before the first.</summary>
    public DateTimeOffset LastPass => _lastPass;

    /// <summary>Sessions whose EventPipe session is running.</summary>
    public int ActiveSessions
    {
        get
        {
            lock (_lock)
            {
                return _sessions.Values.Count(s => s.IsRunning);
            }
        }
    }

    /// <summary>Asks for a pass now (coalesced).</summary>
    public void Trigger()
    {
        try
        {
            _trigger.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already pending.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _lastPass = time.GetUtcNow();
        metrics.ObserveSessions(() => ActiveSessions);
        metrics.ObserveDrops(exporters.Dropped);
        using var registration = pods.AddHandler(ResourceEventHandler<V1Pod>.ForAny(_ => Trigger()));
        try
        {
            await pods.WaitForSyncAsync(stoppingToken).ConfigureAwait(false);
            var settings = options.Value;
            Log.Started(_logger, settings.NodeName!, pods.List().Count, settings.Agent!, settings.AgentProtocol.ToString().ToLowerInvariant());
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await PassAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    Log.ReconcileFailed(_logger, exception);
                }

                _lastPass = time.GetUtcNow();
                await _trigger.WaitAsync(settings.RescanInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await ShutDownAsync().ConfigureAwait(false);
    }

    /// <summary>One pass: read the cache, scan, plan, apply.</summary>
    internal async Task PassAsync(CancellationToken cancellationToken)
    {
        var node = options.Value.NodeName!;
        var profiled = pods.List().Select(p => PodReader.Read(p, node)).OfType<ProfiledPod>().ToList();
        var scan = await discovery.ScanAsync(profiled.Select(p => p.ToDiscoveryPod()).ToList(), cancellationToken).ConfigureAwait(false);
        metrics.Scanned();

        var now = time.GetUtcNow();
        Dictionary<ProcessKey, SessionSpec> running;
        HashSet<ProcessKey> backedOff;
        lock (_lock)
        {
            running = _sessions.ToDictionary(s => s.Key, s => s.Value.Spec);
            var live = scan.Processes.Select(p => p.Key).ToHashSet();
            foreach (var gone in _backoff.Keys.Where(k => !live.Contains(k)).ToList())
            {
                _backoff.Remove(gone);
            }

            backedOff = _backoff.Where(b => b.Value.RetryAt > now).Select(b => b.Key).ToHashSet();
        }

        var plan = SessionPlanner.Plan(profiled, scan, running, backedOff, _noProcessScans);
        _noProcessScans = plan.NoProcessScans;
        foreach (var report in plan.Reports)
        {
            Post(report);
        }

        foreach (var stop in plan.Stops)
        {
            Stop(stop.Process, stop.Reason == StopReason.PodNotProfiled ? "the pod is no longer profiled on this node" : "the process is gone");
        }

        var endpoints = scan.Processes.ToDictionary(p => p.Key, p => p.Endpoint);
        foreach (var update in plan.Updates)
        {
            Log.SessionUpdating(_logger, update.ToString());
            Stop(update.Process, "settings changed");
            Start(update, endpoints.GetValueOrDefault(update.Process));
        }

        foreach (var start in plan.Starts)
        {
            Start(start, endpoints.GetValueOrDefault(start.Process));
        }

        var present = profiled.Select(p => p.Uid).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _knownPods.Where(uid => !present.Contains(uid)))
        {
            events.Forget(gone);
        }

        _knownPods = present;
        await exporters.TrimAsync().ConfigureAwait(false);
    }

    private void Start(SessionSpec spec, DiagnosticEndpoint? endpoint)
    {
        var managed = new ManagedSession(spec);
        lock (_lock)
        {
            _sessions[spec.Process] = managed;
        }

        managed.Lifecycle = Task.Run(() => RunSessionAsync(managed, endpoint), CancellationToken.None);
    }

    private void Stop(ProcessKey key, string reason)
    {
        ManagedSession? managed;
        lock (_lock)
        {
            if (!_sessions.Remove(key, out managed))
            {
                return;
            }

            _stopping.Add(managed);
        }

        Log.SessionStopping(_logger, managed.Spec.ToString(), reason);
        _ = StopAsync(managed);
    }

    private async Task StopAsync(ManagedSession managed)
    {
        var timeout = options.Value.StopTimeout;
        managed.StopRequested = true;
        try
        {
            // Cancels an attach in progress; a running session ignores it and stops below, exporting its partial period.
            await managed.Cancellation.CancelAsync().ConfigureAwait(false);
            if (managed.Session is { } session)
            {
                using var deadline = new CancellationTokenSource(timeout, time);
                await session.StopAsync(deadline.Token).ConfigureAwait(false);
            }

            await managed.Lifecycle.WaitAsync(timeout, time).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException)
        {
            Log.StopTimedOut(_logger, managed.Spec.ToString(), timeout);
        }
        finally
        {
            lock (_lock)
            {
                _stopping.Remove(managed);
            }
        }
    }

    /// <summary>Attach (through the socket discovery resolved) and wait for the session's end. Never throws.</summary>
    private async Task RunSessionAsync(ManagedSession managed, DiagnosticEndpoint? endpoint)
    {
        var spec = managed.Spec;
        var started = false;
        var exporterAcquired = false;
        try
        {
            Log.SessionStarting(_logger, spec.ToString());
            if (endpoint is null)
            {
                Failed(spec, nameof(AttachOutcome.NoDiagnosticSocket), "discovery found no diagnostic socket for the process");
                return;
            }

            var exporter = exporters.Acquire(spec.Settings.UploadTimeout);
            exporterAcquired = true;
            var session = managed.Session = NewSession(spec, endpoint, exporter);
            if (managed.StopRequested || await StartSessionAsync(managed, session).ConfigureAwait(false) is not { } attach)
            {
                return;
            }

            started = true;
            metrics.SessionStarted();
            ReportStarted(spec, attach, session);
            if (managed.StopRequested)
            {
                await session.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await WatchAsync(spec, session).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (managed.Cancellation.IsCancellationRequested)
        {
            // Stopped while attaching.
        }
        catch (Exception exception)
        {
            Failed(spec, "Failed", exception.Message);
        }
        finally
        {
            Ended(managed, exporterAcquired, started);
        }
    }

    private ProfilingSession NewSession(SessionSpec spec, DiagnosticEndpoint endpoint, IProfileExporter exporter)
    {
        var profiling = new ProfilingOptions
        {
            ApplicationName = spec.Settings.ApplicationName,
            Period = spec.Settings.Period,
            FrequencyHz = spec.Settings.SamplingFrequency,
            ProfileTypes = spec.Settings.ProfileTypes,
            Tags = spec.Tags(),
        };
        var session = new ProfilingSession(endpoint, procFs, profiling, exporter, _sessionLogger, time);
        session.PeriodCompleted += (statistics, _) => metrics.PeriodCompleted(statistics.ThreadSamples, statistics.AllocationSamples, statistics.ProfileBytes, statistics.UnresolvedSamples);
        return session;
    }

    /// <summary>Starts the session within the attach timeout; null, once the reason is reported, when it did not start.</summary>
    private async Task<AttachResult?> StartSessionAsync(ManagedSession managed, ProfilingSession session)
    {
        var timeout = options.Value.AttachTimeout;
        AttachResult attach;
        try
        {
            attach = await session.StartAsync(managed.Cancellation.Token).WaitAsync(timeout, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A runtime that accepts the connection but never answers: abandon this session (its task ends with the process).
            _ = session.DisposeAsync().AsTask();
            Failed(managed.Spec, nameof(AttachOutcome.Timeout), $"the runtime did not answer within {timeout.TotalSeconds:0.#} s");
            return null;
        }

        if (!attach.Succeeded && attach.Outcome != AttachOutcome.ProcessExited)
        {
            Failed(managed.Spec, attach.Outcome.ToString(), attach.Message);
        }

        return attach.Succeeded ? attach : null;
    }

    private void ReportStarted(SessionSpec spec, AttachResult attach, ProfilingSession session)
    {
        var version = attach.Runtime?.Text ?? "unknown";
        Log.SessionStarted(_logger, spec.ToString(), spec.Settings.ApplicationName, version, spec.Settings.Period, spec.Settings.SamplingFrequency);
        var sampling = (spec.Settings.ProfileTypes & (ProfileTypes.Cpu | ProfileTypes.Wall)) != 0;
        var mode = session.SamplesContinuously ? "continuously" : sampling ? "duty-cycled" : "not at all (no cpu or wall profile)";
        Post(new PodReport(spec.PodUid, spec.PodNamespace, spec.PodName, EventReasons.Attached, string.Create(CultureInfo.InvariantCulture,
            $"Profiling container {spec.ContainerName} (PID {spec.Process.HostPid} on the node, .NET {version}) as {spec.Settings.ApplicationName}: every {GoDuration.Format(spec.Settings.Period)} at {spec.Settings.SamplingFrequency} Hz sampled {mode}, {ProfileTypeNames.Format(spec.Settings.ProfileTypes)}"),
            Warning: false));
        if (sampling && !session.SamplesContinuously)
        {
            Post(new PodReport(spec.PodUid, spec.PodNamespace, spec.PodName, EventReasons.DutyCycled, string.Create(CultureInfo.InvariantCulture,
                $"Container {spec.ContainerName} started without {SamplingRateVariable.Name}={SamplingRateVariable.Format(spec.Settings.SamplingFrequency)}: its runtime samples at ~1 kHz, so CPU and wall time are sampled in bursts (duty-cycled) averaging {spec.Settings.SamplingFrequency} Hz. Restart the pod to get continuous sampling (the operator's webhook adds the variable to new pods)."),
                Warning: false));
        }
    }

    /// <summary>Waits for the session's end and reports a fault, unless the target's own exit explains it.</summary>
    private async Task WatchAsync(SessionSpec spec, ProfilingSession session)
    {
        var end = await session.Completion.ConfigureAwait(false);
        Log.SessionEnded(_logger, spec.ToString(), end.End.ToString(), end.Message);
        // A target that dies mid-period can look alive for a moment after its stream broke: check again before blaming it.
        if (end.End == SessionEnd.Faulted && !await ExitedAsync(spec.Process).ConfigureAwait(false))
        {
            Failed(spec, "Faulted", end.Message);
        }
    }

    private void Ended(ManagedSession managed, bool exporterAcquired, bool started)
    {
        var spec = managed.Spec;
        if (exporterAcquired)
        {
            exporters.Release(spec.Settings.UploadTimeout);
        }

        if (started)
        {
            metrics.SessionEnded();
        }

        var removed = false;
        lock (_lock)
        {
            if (_sessions.TryGetValue(spec.Process, out var current) && ReferenceEquals(current, managed))
            {
                _sessions.Remove(spec.Process);
                removed = true;
            }
        }

        if (removed)
        {
            // The session ended on its own (process exit, failure): let the next pass look at the process again.
            Trigger();
        }
    }

    private async Task<bool> ExitedAsync(ProcessKey process)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            try
            {
                if (procFs.ReadStat(process.HostPid) is not { } stat || stat.State is 'Z' or 'X' || stat.StartTime != process.StartTime)
                {
                    return true;
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time).ConfigureAwait(false);
        }

        return false;
    }

    private void Failed(SessionSpec spec, string outcome, string reason)
    {
        TimeSpan backoff;
        lock (_lock)
        {
            backoff = _backoff.TryGetValue(spec.Process, out var previous) ? TimeSpan.FromTicks(Math.Min(previous.Backoff.Ticks * 2, s_maxBackoff.Ticks)) : s_firstBackoff;
            _backoff[spec.Process] = (time.GetUtcNow() + backoff, backoff);
        }

        metrics.AttachFailed(outcome);
        Log.AttachFailed(_logger, spec.ToString(), outcome, reason, backoff);
        Post(new PodReport(spec.PodUid, spec.PodNamespace, spec.PodName, EventReasons.AttachFailed,
            $"Cannot profile container {spec.ContainerName} (PID {spec.Process.HostPid} on the node): {outcome}: {reason}", Warning: true));
    }

    private async Task ShutDownAsync()
    {
        List<ManagedSession> all;
        lock (_lock)
        {
            all = [.. _sessions.Values];
        }

        Log.ShuttingDown(_logger, all.Count);
        foreach (var managed in all)
        {
            Stop(managed.Spec.Process, "the collector is shutting down");
        }

        List<ManagedSession> stopping;
        lock (_lock)
        {
            stopping = [.. _stopping];
        }

        await Task.WhenAll(stopping.Select(s => s.Lifecycle)).WaitAsync(options.Value.StopTimeout, time)
            .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await exporters.DrainAsync(options.Value.ShutdownDrainTimeout).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _trigger.Dispose();
        base.Dispose();
    }

    private void Post(PodReport report) => events.Record(report.Subject, report.Type, report.Reason, report.Message);
}
