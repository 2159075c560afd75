using System.Globalization;
using System.Text;

namespace Flamewatch.NodeCollector.Metrics;

/// <summary>
/// The collector's Prometheus metrics (served at <c>/metrics</c>), every series present from the start at zero.
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

    public void PeriodCompleted(long threadSamples, long allocationSamples, int profileBytes)
    {
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
        var text = new StringBuilder();
        Header("flamewatch_collector_sessions_active", "gauge", "Profiling sessions running now (one per .NET process)");
        Line("flamewatch_collector_sessions_active", "", _sessionsActive());
        Header("flamewatch_collector_sessions_started_total", "counter", "Profiling sessions started");
        Line("flamewatch_collector_sessions_started_total", "", Interlocked.Read(ref _sessionsStarted));
        Header("flamewatch_collector_sessions_ended_total", "counter", "Profiling sessions ended (stopped, target exited or failed)");
        Line("flamewatch_collector_sessions_ended_total", "", Interlocked.Read(ref _sessionsEnded));
        Header("flamewatch_collector_samples_total", "counter", "Samples aggregated into profiles, by kind");
        Line("flamewatch_collector_samples_total", "kind=\"thread\"", Interlocked.Read(ref _threadSamples));
        Line("flamewatch_collector_samples_total", "kind=\"allocation\"", Interlocked.Read(ref _allocationSamples));
        Header("flamewatch_collector_profiles_total", "counter", "Profiles built (one per process and period)");
        Line("flamewatch_collector_profiles_total", "", Interlocked.Read(ref _profiles));
        Header("flamewatch_collector_profile_bytes_total", "counter", "Compressed pprof bytes built");
        Line("flamewatch_collector_profile_bytes_total", "", Interlocked.Read(ref _profileBytes));
        Header("flamewatch_collector_uploads_total", "counter", "Upload attempts, by result");
        lock (_lock)
        {
            foreach (var result in UploadResults)
            {
                Line("flamewatch_collector_uploads_total", $"result=\"{result}\"", _uploads[result]);
            }
        }

        Header("flamewatch_collector_upload_bytes_total", "counter", "Bytes of pprof attachments the receiver accepted");
        Line("flamewatch_collector_upload_bytes_total", "", Interlocked.Read(ref _uploadBytes));
        var (queueFull, abandoned) = _dropped();
        Header("flamewatch_collector_uploads_dropped_total", "counter", "Profiles never delivered, by reason");
        Line("flamewatch_collector_uploads_dropped_total", "reason=\"queue_full\"", queueFull);
        Line("flamewatch_collector_uploads_dropped_total", "reason=\"abandoned\"", abandoned);
        Header("flamewatch_collector_attach_failures_total", "counter", "Attaches that failed, by outcome");
        lock (_lock)
        {
            foreach (var (outcome, count) in _attachFailures.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                Line("flamewatch_collector_attach_failures_total", $"outcome=\"{outcome}\"", count);
            }
        }

        Header("flamewatch_collector_scans_total", "counter", "Discovery scans of the node's processes");
        Line("flamewatch_collector_scans_total", "", Interlocked.Read(ref _scans));
        Header("flamewatch_collector_events_total", "counter", "Kubernetes Events recorded on pods");
        Line("flamewatch_collector_events_total", "", Interlocked.Read(ref _eventsRecorded));
        Header("flamewatch_collector_events_dropped_total", "counter", "Kubernetes Events not recorded (rate limit or API error)");
        Line("flamewatch_collector_events_dropped_total", "", Interlocked.Read(ref _eventsDropped));
        return text.ToString();

        void Header(string name, string type, string help) => text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        void Line(string name, string labels, double value) => text.Append(name)
            .Append(labels.Length > 0 ? "{" + labels + "}" : string.Empty).Append(' ')
            .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
