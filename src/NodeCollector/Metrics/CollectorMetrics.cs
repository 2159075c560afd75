using Flamewatch.Hosting;

namespace Flamewatch.NodeCollector.Metrics;

/// <summary>
/// The collector's Prometheus metrics (served at <c>/metrics</c> by <see cref="PrometheusTextWriter"/>), every series present from the start at zero.
/// Counters follow the drop-and-count idea: what the collector could not deliver is counted, never waited for.
/// </summary>
internal sealed class CollectorMetrics
{
    /// <summary>Results of an upload attempt, as in <c>flamewatch_collector_uploads_total{result}</c>.</summary>
    public static readonly IReadOnlyList<string> UploadResults = ["success", "error", "timeout"];

    /// <summary>Why an upload was dropped, as in <c>flamewatch_collector_uploads_dropped_total{reason}</c>.</summary>
    public static readonly IReadOnlyList<string> DropReasons = ["queue_full", "abandoned"];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _uploads = UploadResults.ToDictionary(r => r, _ => 0L, StringComparer.Ordinal);
    private readonly Dictionary<string, long> _attachFailures = new(StringComparer.Ordinal);
    private long _threadSamples;
    private long _allocationSamples;
    private long _unresolvedSamples;
    private long _profiles;
    private long _profileBytes;
    private long _uploadBytes;
    private long _scans;
    private long _eventsRecorded;
    private long _eventsDropped;
    private long _sessionsStarted;
    private long _sessionsEnded;
    private Func<int> _sessionsActive = () => 0;
    private Func<(long QueueFull, long Abandoned)> _dropped = () => (0, 0);

    public void ObserveSessions(Func<int> active) => _sessionsActive = active;

    public void ObserveDrops(Func<(long QueueFull, long Abandoned)> dropped) => _dropped = dropped;

    public void PeriodCompleted(long threadSamples, long allocationSamples, int profileBytes, long unresolvedSamples = 0)
    {
        Interlocked.Add(ref _unresolvedSamples, unresolvedSamples);
        Interlocked.Add(ref _threadSamples, threadSamples);
        Interlocked.Add(ref _allocationSamples, allocationSamples);
        Interlocked.Increment(ref _profiles);
        Interlocked.Add(ref _profileBytes, profileBytes);
    }

    public void Uploaded(string result, long bytes)
    {
        lock (_lock)
        {
            _uploads[result]++;
        }

        if (result == "success")
        {
            Interlocked.Add(ref _uploadBytes, bytes);
        }
    }

    public void AttachFailed(string outcome)
    {
        lock (_lock)
        {
            _attachFailures[outcome] = _attachFailures.GetValueOrDefault(outcome) + 1;
        }
    }

    public void Scanned() => Interlocked.Increment(ref _scans);

    public void SessionStarted() => Interlocked.Increment(ref _sessionsStarted);

    public void SessionEnded() => Interlocked.Increment(ref _sessionsEnded);

    public void EventRecorded() => Interlocked.Increment(ref _eventsRecorded);

    public void EventDropped() => Interlocked.Increment(ref _eventsDropped);

    public int SessionsActive => _sessionsActive();

    public long UploadBytes => Interlocked.Read(ref _uploadBytes);

    public long Uploads(string result)
    {
        lock (_lock)
        {
            return _uploads[result];
        }
    }

    public string ToPrometheusText()
    {
        var text = new PrometheusTextWriter()
            .Family("flamewatch_collector_sessions_active", PrometheusMetricType.Gauge, "Profiling sessions running now (one per .NET process)", _sessionsActive())
            .Family("flamewatch_collector_sessions_started_total", PrometheusMetricType.Counter, "Profiling sessions started", Interlocked.Read(ref _sessionsStarted))
            .Family("flamewatch_collector_sessions_ended_total", PrometheusMetricType.Counter, "Profiling sessions ended (stopped, target exited or failed)", Interlocked.Read(ref _sessionsEnded))
            .Family("flamewatch_collector_samples_total", PrometheusMetricType.Counter, "Samples aggregated into profiles, by kind")
            .Sample("flamewatch_collector_samples_total", Interlocked.Read(ref _threadSamples), ("kind", "thread"))
            .Sample("flamewatch_collector_samples_total", Interlocked.Read(ref _allocationSamples), ("kind", "allocation"))
            .Family("flamewatch_collector_samples_unresolved_total", PrometheusMetricType.Counter, "Thread samples with a frame no method covers (shown as an address)", Interlocked.Read(ref _unresolvedSamples))
            .Family("flamewatch_collector_profiles_total", PrometheusMetricType.Counter, "Profiles built (one per process and period)", Interlocked.Read(ref _profiles))
            .Family("flamewatch_collector_profile_bytes_total", PrometheusMetricType.Counter, "Compressed pprof bytes built", Interlocked.Read(ref _profileBytes))
            .Family("flamewatch_collector_uploads_total", PrometheusMetricType.Counter, "Upload attempts, by result");
        lock (_lock)
        {
            foreach (var result in UploadResults)
            {
                text.Sample("flamewatch_collector_uploads_total", _uploads[result], ("result", result));
            }
        }

        var (queueFull, abandoned) = _dropped();
        text.Family("flamewatch_collector_upload_bytes_total", PrometheusMetricType.Counter, "Bytes of pprof attachments the receiver accepted", Interlocked.Read(ref _uploadBytes))
            .Family("flamewatch_collector_uploads_dropped_total", PrometheusMetricType.Counter, "Profiles never delivered, by reason")
            .Sample("flamewatch_collector_uploads_dropped_total", queueFull, ("reason", "queue_full"))
            .Sample("flamewatch_collector_uploads_dropped_total", abandoned, ("reason", "abandoned"))
            .Family("flamewatch_collector_attach_failures_total", PrometheusMetricType.Counter, "Attaches that failed, by outcome");
        lock (_lock)
        {
            foreach (var (outcome, count) in _attachFailures.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.Sample("flamewatch_collector_attach_failures_total", count, ("outcome", outcome));
            }
        }

        return text
            .Family("flamewatch_collector_scans_total", PrometheusMetricType.Counter, "Discovery scans of the node's processes", Interlocked.Read(ref _scans))
            .Family("flamewatch_collector_events_total", PrometheusMetricType.Counter, "Kubernetes Events recorded on pods", Interlocked.Read(ref _eventsRecorded))
            .Family("flamewatch_collector_events_dropped_total", PrometheusMetricType.Counter, "Kubernetes Events not recorded (rate limit or API error)", Interlocked.Read(ref _eventsDropped))
            .ToString();
    }
}
