using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.Operator.Planning;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Operator.Controller;

/// <summary>
/// Records Kubernetes Events on a ContinuousProfile without storms, the way client-go's EventCorrelator does:
/// a repeat of the same event (same object, type, reason, message) within <see cref="AggregationWindow"/>
/// increments the count of the existing Event instead of creating one, and each object may record at most
/// <see cref="Burst"/> events, refilled at one per <see cref="RefillInterval"/>. Events are queued and sent
/// off the reconcile path (<see cref="Enqueue"/>, <see cref="RunAsync"/>); a full queue drops and counts. Failing
/// to record an Event is logged and never fails a reconcile.
/// </summary>
internal sealed class EventRecorder(IKubeApi api, TimeProvider time, Metrics.ControllerMetrics metrics, ILogger<EventRecorder> logger)
{
    public const int Burst = 25;
    public static readonly TimeSpan RefillInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan AggregationWindow = TimeSpan.FromMinutes(10);
    private const int MaxRemembered = 4096;
    private const string Component = "flamewatch-operator";

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Recorded> _recent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly System.Threading.Channels.Channel<(KubeObject Subject, PlannedEvent Event)> _pending =
        System.Threading.Channels.Channel.CreateBounded<(KubeObject, PlannedEvent)>(new System.Threading.Channels.BoundedChannelOptions(1024) { SingleReader = true });

    /// <summary>Queues an Event for <see cref="RunAsync"/>; when the queue is full the Event is dropped and counted.</summary>
    public void Enqueue(KubeObject subject, PlannedEvent planned)
    {
        if (!_pending.Writer.TryWrite((subject, planned)))
        {
            metrics.EventDropped();
        }
    }

    /// <summary>Sends queued Events until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (subject, planned) in _pending.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await RecordAsync(subject, planned, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async Task RecordAsync(KubeObject subject, PlannedEvent planned, CancellationToken cancellationToken)
    {
        var ns = subject.Metadata.Namespace ?? "default";
        var uid = subject.Metadata.Uid ?? subject.Key();
        var now = time.GetUtcNow();
        var key = $"{uid}\n{planned.Type}\n{planned.Reason}\n{planned.Message}";
        Recorded? previous;
        lock (_lock)
        {
            if (!TakeToken(uid, now))
            {
                metrics.EventDropped();
                return;
            }

            _recent.TryGetValue(key, out previous);
            if (previous is not null && now - previous.LastSeen > AggregationWindow)
            {
                previous = null;
            }
        }

        var events = api.Events();
        try
        {
            if (previous is not null)
            {
                var count = previous.Count + 1;
                var patch = new System.Text.Json.Nodes.JsonObject
                {
                    ["count"] = count,
                    ["lastTimestamp"] = Contracts.Api.KubernetesTimeConverter.Format(now),
                };
                try
                {
                    await events.PatchAsync(ns, previous.Name, KubePatch.Merge(patch), cancellationToken).ConfigureAwait(false);
                    Remember(key, previous with { Count = count, LastSeen = now });
                    return;
                }
                catch (KubeApiException exception) when (exception.IsNotFound)
                {
                    // The Event expired (the API server keeps them for an hour): create a new one below.
                }
            }

            var name = $"{subject.Metadata.Name}.{now.ToUnixTimeMilliseconds():x}{Random.Shared.Next(0x1000):x3}";
            var created = new KubeEvent
            {
                Metadata = new ObjectMeta { Name = name, Namespace = ns },
                InvolvedObject = new ObjectReference
                {
                    ApiVersion = subject.ApiVersion,
                    Kind = subject.Kind,
                    Namespace = subject.Metadata.Namespace,
                    Name = subject.Metadata.Name,
                    Uid = subject.Metadata.Uid,
                    ResourceVersion = subject.Metadata.ResourceVersion,
                },
                Type = planned.Type,
                Reason = planned.Reason,
                Message = planned.Message,
                Count = 1,
                FirstTimestamp = now,
                LastTimestamp = now,
                Source = new EventSource { Component = Component },
                ReportingComponent = Component,
                ReportingInstance = Environment.MachineName,
            };
            await events.CreateAsync(created, cancellationToken).ConfigureAwait(false);
            Remember(key, new Recorded(name, 1, now));
        }
        catch (Exception exception) when (exception is KubeApiException or HttpRequestException)
        {
            Log.EventNotRecorded(logger, planned.Reason, subject.Key(), exception);
        }
    }

    private bool TakeToken(string uid, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(uid, out var bucket))
        {
            bucket = new Bucket(Burst, now);
        }

        var refilled = Math.Min(Burst, bucket.Tokens + ((now - bucket.Updated) / RefillInterval));
        if (refilled < 1)
        {
            _buckets[uid] = bucket with { Tokens = refilled, Updated = now };
            return false;
        }

        _buckets[uid] = new Bucket(refilled - 1, now);
        return true;
    }

    private void Remember(string key, Recorded recorded)
    {
        lock (_lock)
        {
            if (_recent.Count >= MaxRemembered)
            {
                var cutoff = recorded.LastSeen - AggregationWindow;
                foreach (var stale in _recent.Where(pair => pair.Value.LastSeen < cutoff).Select(pair => pair.Key).ToList())
                {
                    _recent.Remove(stale);
                }

                if (_recent.Count >= MaxRemembered)
                {
                    _recent.Clear();
                }
            }

            _recent[key] = recorded;
        }
    }

    private sealed record Recorded(string Name, int Count, DateTimeOffset LastSeen);

    private sealed record Bucket(double Tokens, DateTimeOffset Updated);
}
