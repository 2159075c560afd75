using Flamewatch.Hosting;

namespace Flamewatch.Operator.Metrics;

/// <summary>
/// The controller-runtime metrics operators are monitored by, under the same names and labels
/// (pkg/internal/controller/metrics and pkg/metrics/workqueue), every series present from the start at zero.
/// Served in the Prometheus text format at /metrics (<see cref="PrometheusTextWriter"/>).
/// </summary>
internal sealed class ControllerMetrics
{
    public const string ControllerName = "continuousprofile";

    /// <summary>controller-runtime's reconcile_time_seconds buckets.</summary>
    private static readonly double[] Buckets =
    [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
        1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ];

    private static readonly string[] Results = ["success", "error", "requeue_after"];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _reconcileTotal = Results.ToDictionary(r => r, _ => 0L);
    private readonly long[] _bucketCounts = new long[Buckets.Length];
    private long _reconcileErrors;
    private long _timeCount;
    private double _timeSum;
    private long _queueAdds;
    private long _queueRetries;
    private long _podPatches;
    private long _podPatchFailures;
    private long _eventsDropped;
    private Func<int> _queueDepth = () => 0;
    private Func<bool> _isLeader = () => false;

    public void ObserveQueue(Func<int> depth) => _queueDepth = depth;

    public void ObserveLeadership(Func<bool> isLeader) => _isLeader = isLeader;

    public void ReconcileFinished(string result, TimeSpan elapsed)
    {
        lock (_lock)
        {
            _reconcileTotal[result]++;
            if (result == "error")
            {
                _reconcileErrors++;
            }

            _timeCount++;
            _timeSum += elapsed.TotalSeconds;
            for (var i = 0; i < Buckets.Length; i++)
            {
                if (elapsed.TotalSeconds <= Buckets[i])
                {
                    _bucketCounts[i]++;
                }
            }
        }
    }

    public void QueueAdded() => Interlocked.Increment(ref _queueAdds);

    public void QueueRetried() => Interlocked.Increment(ref _queueRetries);

    public void PodPatched(bool success)
    {
        if (success)
        {
            Interlocked.Increment(ref _podPatches);
        }
        else
        {
            Interlocked.Increment(ref _podPatchFailures);
        }
    }

    public void EventDropped() => Interlocked.Increment(ref _eventsDropped);

    public long ReconcileTotal(string result)
    {
        lock (_lock)
        {
            return _reconcileTotal[result];
        }
    }

    public string ToPrometheusText()
    {
        (string, string) controller = ("controller", ControllerName);
        (string, string) queue = ("name", ControllerName);
        var text = new PrometheusTextWriter();
        lock (_lock)
        {
            text.Family("controller_runtime_reconcile_total", PrometheusMetricType.Counter, "Total number of reconciliations per controller");
            foreach (var result in Results)
            {
                text.Sample("controller_runtime_reconcile_total", _reconcileTotal[result], controller, ("result", result));
            }

            text.Family("controller_runtime_reconcile_errors_total", PrometheusMetricType.Counter, "Total number of reconciliation errors per controller", _reconcileErrors, controller)
                .Histogram("controller_runtime_reconcile_time_seconds", "Length of time per reconciliation per controller", Buckets, _bucketCounts, _timeCount, _timeSum, controller);
        }

        return text
            .Family("controller_runtime_max_concurrent_reconciles", PrometheusMetricType.Gauge, "Maximum number of concurrent reconciles per controller", 1, controller)
            .Family("workqueue_depth", PrometheusMetricType.Gauge, "Current depth of workqueue", _queueDepth(), controller, queue)
            .Family("workqueue_adds_total", PrometheusMetricType.Counter, "Total number of adds handled by workqueue", Interlocked.Read(ref _queueAdds), controller, queue)
            .Family("workqueue_retries_total", PrometheusMetricType.Counter, "Total number of retries handled by workqueue", Interlocked.Read(ref _queueRetries), controller, queue)
            .Family("leader_election_master_status", PrometheusMetricType.Gauge, "Whether this replica is the leader (1) or not (0)", _isLeader() ? 1 : 0, ("name", "flamewatch-operator"))
            .Family("flamewatch_operator_pod_patches_total", PrometheusMetricType.Counter, "Pod annotation patches sent, by result")
            .Sample("flamewatch_operator_pod_patches_total", Interlocked.Read(ref _podPatches), ("result", "success"))
            .Sample("flamewatch_operator_pod_patches_total", Interlocked.Read(ref _podPatchFailures), ("result", "error"))
            .Family("flamewatch_operator_events_dropped_total", PrometheusMetricType.Counter, "Kubernetes Events not recorded: over the per-object rate limit, the queue full, or refused by the API server", Interlocked.Read(ref _eventsDropped))
            .ToString();
    }
}
