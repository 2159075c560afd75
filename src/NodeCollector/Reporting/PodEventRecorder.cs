using System.Threading.Channels;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.NodeCollector.Hosting;
using Flamewatch.NodeCollector.Metrics;
using Flamewatch.NodeCollector.Supervision;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flamewatch.NodeCollector.Reporting;

/// <summary>
/// Records <see cref="PodReport"/>s as Kubernetes Events on their pods, off the supervisor's path: <see cref="Post"/> never
/// blocks, and one sender creates the Events. An identical report (pod, reason, message) is recorded once per
/// <see cref="RepeatAfter"/> (the supervisor re-derives the state of every pod on every scan); each pod may record at
/// most <see cref="Burst"/> Events, refilled at one per <see cref="RefillInterval"/>. What is suppressed by the rate
/// limit or fails is counted, never retried (collectors on every node must not storm the API server).
/// </summary>
internal sealed class PodEventRecorder(
    IKubeApi api, IOptions<CollectorOptions> options, CollectorMetrics metrics, TimeProvider time, ILogger<PodEventRecorder> logger)
    : BackgroundService
{
    public const int Burst = 10;
    public const string Component = "flamewatch-collector";
    public static readonly TimeSpan RefillInterval = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan RepeatAfter = TimeSpan.FromMinutes(30);
    private const int MaxRemembered = 4096;

    private readonly Channel<PodReport> _pending = Channel.CreateBounded<PodReport>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly Lock _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _recorded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Tokens, DateTimeOffset Updated)> _buckets = new(StringComparer.Ordinal);

    /// <summary>Queues a report; returns false when it is a recent repeat or was dropped.</summary>
    public bool Post(PodReport report)
    {
        var key = $"{report.PodUid}\n{report.Reason}\n{report.Message}";
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_recorded.TryGetValue(key, out var last) && now - last < RepeatAfter)
            {
                return false;
            }

            if (!TakeToken(report.PodUid, now))
            {
                metrics.EventDropped();
                return false;
            }

            if (_recorded.Count >= MaxRemembered)
            {
                foreach (var stale in _recorded.Where(p => now - p.Value >= RepeatAfter).Select(p => p.Key).ToList())
                {
                    _recorded.Remove(stale);
                }

                if (_recorded.Count >= MaxRemembered)
                {
                    _recorded.Clear();
                    _buckets.Clear();
                }
            }

            _recorded[key] = now;
        }

        if (!_pending.Writer.TryWrite(report))
        {
            metrics.EventDropped();
            return false;
        }

        return true;
    }

    /// <summary>Forgets what was recorded for a pod (it is gone), so its buckets do not pile up.</summary>
    public void Forget(string podUid)
    {
        lock (_lock)
        {
            _buckets.Remove(podUid);
            foreach (var key in _recorded.Keys.Where(k => k.StartsWith(podUid + "\n", StringComparison.Ordinal)).ToList())
            {
                _recorded.Remove(key);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var report in _pending.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                await RecordAsync(report, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RecordAsync(PodReport report, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var name = $"{report.PodName}.{now.ToUnixTimeMilliseconds():x}{Random.Shared.Next(0x1000):x3}";
        var created = new KubeEvent
        {
            Metadata = new ObjectMeta { Name = name, Namespace = report.PodNamespace },
            InvolvedObject = new ObjectReference
            {
                ApiVersion = "v1",
                Kind = "Pod",
                Namespace = report.PodNamespace,
                Name = report.PodName,
                Uid = report.PodUid,
            },
            Type = report.Type,
            Reason = report.Reason,
            Message = report.Message.Length <= 1024 ? report.Message : report.Message[..1021] + "...",
            Count = 1,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new EventSource { Component = Component, Host = options.Value.NodeName },
            ReportingComponent = Component,
            ReportingInstance = $"{Component}-{options.Value.NodeName}",
        };
        try
        {
            await api.Events().CreateAsync(created, cancellationToken).ConfigureAwait(false);
            metrics.EventRecorded();
            Log.EventRecorded(logger, report.Type, report.Reason, report.PodNamespace, report.PodName, report.Message);
        }
        catch (Exception exception) when (exception is KubeApiException or HttpRequestException or TimeoutException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            metrics.EventDropped();
            Log.EventNotRecorded(logger, report.Reason, report.PodNamespace, report.PodName, exception);
        }
    }

    private bool TakeToken(string podUid, DateTimeOffset now)
    {
        var (tokens, updated) = _buckets.TryGetValue(podUid, out var bucket) ? bucket : (Burst, now);
        tokens = Math.Min(Burst, tokens + ((now - updated) / RefillInterval));
        if (tokens < 1)
        {
            _buckets[podUid] = (tokens, now);
            return false;
        }

        _buckets[podUid] = (tokens - 1, now);
        return true;
    }
}
