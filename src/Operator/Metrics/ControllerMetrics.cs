using System.Globalization;
using System.Text;

namespace Flamewatch.Operator.Metrics;

/// <summary>
/// The controller-runtime metrics operators are monitored by, under the same names and labels
/// (pkg/internal/controller/metrics and pkg/metrics/workqueue), every series present from the start at zero.
/// Served in the Prometheus text format at /metrics.
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
        var c = $"controller=\"{ControllerName}\"";
        var q = $"controller=\"{ControllerName}\",name=\"{ControllerName}\"";
        var text = new StringBuilder();
        lock (_lock)
        {
            Header("controller_runtime_reconcile_total", "counter", "Total number of reconciliations per controller");
            foreach (var result in Results)
            {
                Line("controller_runtime_reconcile_total", $"{c},result=\"{result}\"", _reconcileTotal[result]);
            }

            Header("controller_runtime_reconcile_errors_total", "counter", "Total number of reconciliation errors per controller");
            Line("controller_runtime_reconcile_errors_total", c, _reconcileErrors);

            Header("controller_runtime_reconcile_time_seconds", "histogram", "Length of time per reconciliation per controller");
            for (var i = 0; i < Buckets.Length; i++)
            {
                Line("controller_runtime_reconcile_time_seconds_bucket", $"{c},le=\"{Buckets[i].ToString(CultureInfo.InvariantCulture)}\"", _bucketCounts[i]);
            }

            Line("controller_runtime_reconcile_time_seconds_bucket", $"{c},le=\"+Inf\"", _timeCount);
            Line("controller_runtime_reconcile_time_seconds_sum", c, _timeSum);
            Line("controller_runtime_reconcile_time_seconds_count", c, _timeCount);
        }

        Header("controller_runtime_max_concurrent_reconciles", "gauge", "Maximum number of concurrent reconciles per controller");
        Line("controller_runtime_max_concurrent_reconciles", c, 1);
        Header("workqueue_depth", "gauge", "Current depth of workqueue");
        Line("workqueue_depth", q, _queueDepth());
        Header("workqueue_adds_total", "counter", "Total number of adds handled by workqueue");
        Line("workqueue_adds_total", q, Interlocked.Read(ref _queueAdds));
        Header("workqueue_retries_total", "counter", "Total number of retries handled by workqueue");
        Line("workqueue_retries_total", q, Interlocked.Read(ref _queueRetries));
        Header("leader_election_master_status", "gauge", "Whether this replica is the leader (1) or not (0)");
        Line("leader_election_master_status", "name=\"flamewatch-operator\"", _isLeader() ? 1 : 0);
        Header("flamewatch_operator_pod_patches_total", "counter", "Pod annotation patches sent, by result");
        Line("flamewatch_operator_pod_patches_total", "result=\"success\"", Interlocked.Read(ref _podPatches));
        Line("flamewatch_operator_pod_patches_total", "result=\"error\"", Interlocked.Read(ref _podPatchFailures));
        Header("flamewatch_operator_events_dropped_total", "counter", "Kubernetes Events not recorded because of the per-object rate limit");
        Line("flamewatch_operator_events_dropped_total", string.Empty, Interlocked.Read(ref _eventsDropped));
        return text.ToString();

        void Header(string name, string type, string help) => text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

        void Line(string name, string labels, double value) => text.Append(name)
            .Append(labels.Length > 0 ? "{" + labels + "}" : string.Empty).Append(' ')
            .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
