using System.Globalization;
using System.Threading.Channels;
using Flamewatch.Kubernetes.Client;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Flamewatch.Kubernetes.Events;

/// <summary>
/// Records core/v1 Events for the operator and the collector, with one policy against storms (client-go's
/// EventCorrelator, simplified):
/// <list type="bullet">
/// <item>An Event is identified by object UID, type, reason and message. The first one is created at once; identical ones
/// within <see cref="EventRecorderOptions.RepeatWindow"/> (10 min) are only counted; the first after the window updates the
/// existing Event's <c>count</c> and <c>lastTimestamp</c> (or creates a new Event when the server no longer has it).</item>
/// <item>Each object may make <see cref="EventRecorderOptions.Burst"/> (25) writes at once, refilled one per
/// <see cref="EventRecorderOptions.RefillInterval"/> (5 min).</item>
/// <item><see cref="Record"/> never blocks: Events are sent by <see cref="RunAsync"/> off the caller's path. What the limit,
/// a full queue or an API error stops is dropped and counted (<see cref="EventRecorderOptions.OnDropped"/>), never retried.</item>
/// </list>
/// </summary>
public sealed class EventRecorder
{
    public const int DefaultBurst = 25;
    public static readonly TimeSpan DefaultRefillInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultRepeatWindow = TimeSpan.FromMinutes(10);
    public const int MaxMessageLength = 1024;
    private const int MaxRemembered = 4096;

    private readonly IKubernetes _client;
    private readonly EventRecorderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _pending;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Recorded> _recent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Tokens, DateTimeOffset Updated)> _buckets = new(StringComparer.Ordinal);
    private long _sent;

    public EventRecorder(IKubernetes client, EventRecorderOptions options, TimeProvider time, ILogger<EventRecorder> logger)
    {
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _pending = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true });
    }

    public EventRecorderOptions Options => _options;

    /// <summary>Queues an Event on <paramref name="subject"/>; false when it is a repeat within the window or was dropped.</summary>
    public bool Record(V1ObjectReference subject, string type, string reason, string message)
    {
        message = message.Length <= MaxMessageLength ? message : message[..(MaxMessageLength - 3)] + "...";
        var uid = subject.Uid ?? $"{subject.NamespaceProperty}/{subject.Name}";
        var key = $"{uid}\n{type}\n{reason}\n{message}";
        var now = _time.GetUtcNow();
        Recorded? previous;
        lock (_lock)
        {
            if (_recent.TryGetValue(key, out previous) && now - previous.Written < _options.RepeatWindow)
            {
                _recent[key] = previous with { Unwritten = previous.Unwritten + 1 };
                return false;
            }

            if (!TakeToken(uid, now))
            {
                _options.OnDropped?.Invoke();
                return false;
            }

            Forget(now);
            _recent[key] = new Recorded(previous?.Name, (previous?.Count ?? 0) + (previous?.Unwritten ?? 0) + 1, 0, now);
        }

        // A full queue refuses the write (TryWrite never waits): the Event is dropped and counted, and is not
        // remembered as written, so that the next identical one is tried again.
        if (!_pending.Writer.TryWrite(new Pending(key, subject, type, reason, message)))
        {
            lock (_lock)
            {
                if (previous is null)
                {
                    _recent.Remove(key);
                }
                else
                {
                    _recent[key] = previous with { Unwritten = previous.Unwritten + 1 };
                }
            }

            _options.OnDropped?.Invoke();
            return false;
        }

        return true;
    }

    /// <summary>Forgets an object (it is gone), so that its limits and repeats do not pile up.</summary>
    public void Forget(string uid)
    {
        lock (_lock)
        {
            _buckets.Remove(uid);
            foreach (var key in _recent.Keys.Where(k => k.StartsWith(uid + "\n", StringComparison.Ordinal)).ToList())
            {
                _recent.Remove(key);
            }
        }
    }

    /// <summary>Sends queued Events until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var pending in _pending.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await SendAsync(pending, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task SendAsync(Pending pending, CancellationToken cancellationToken)
    {
        Recorded recorded;
        lock (_lock)
        {
            if (!_recent.TryGetValue(pending.Key, out recorded!))
            {
                return;
            }
        }

        var ns = string.IsNullOrEmpty(pending.Subject.NamespaceProperty) ? "default" : pending.Subject.NamespaceProperty;
        var now = recorded.Written.UtcDateTime;
        try
        {
            if (recorded.Name is not null)
            {
                try
                {
                    // As JSON text (the client writes it as it is): an anonymous object would be serialized by reflection,
                    // which a Native AOT build cannot do.
                    var patch = new V1Patch(
                        $"{{\"count\":{recorded.Count.ToString(CultureInfo.InvariantCulture)},\"lastTimestamp\":{KubernetesJson.Serialize(now)}}}",
                        V1Patch.PatchType.MergePatch);
                    await _client.CoreV1.PatchNamespacedEventAsync(patch, recorded.Name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
                    _options.OnRecorded?.Invoke();
                    return;
                }
                catch (Exception exception) when (exception.IsNotFound())
                {
                    // The Event expired (the API server keeps Events for an hour): create a new one below.
                }
            }

            // client-go names Events <object>.<unix nanoseconds in hex>; a sequence keeps a burst within one clock tick apart.
            var name = $"{pending.Subject.Name}.{(_time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000) + (++_sent % 1_000_000):x}";
            await _client.CoreV1.CreateNamespacedEventAsync(
                new Corev1Event
                {
                    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                    InvolvedObject = pending.Subject,
                    Type = pending.Type,
                    Reason = pending.Reason,
                    Message = pending.Message,
                    Count = recorded.Count,
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Source = new V1EventSource { Component = _options.Component, Host = _options.Host },
                    ReportingComponent = _options.Component,
                    ReportingInstance = _options.Instance,
                },
                ns,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_recent.TryGetValue(pending.Key, out var current))
                {
                    _recent[pending.Key] = current with { Name = name };
                }
            }

            _options.OnRecorded?.Invoke();
            Log.EventRecorded(_logger, pending.Type, pending.Reason, ns, pending.Subject.Name ?? "", pending.Message);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _options.OnDropped?.Invoke();
            Log.EventNotRecorded(_logger, pending.Reason, ns, pending.Subject.Name ?? "", exception);
        }
    }

    private bool TakeToken(string uid, DateTimeOffset now)
    {
        var (tokens, updated) = _buckets.TryGetValue(uid, out var bucket) ? bucket : (_options.Burst, now);
        tokens = Math.Min(_options.Burst, tokens + ((now - updated) / _options.RefillInterval));
        if (tokens < 1)
        {
            _buckets[uid] = (tokens, now);
            return false;
        }

        _buckets[uid] = (tokens - 1, now);
        return true;
    }

    /// <summary>Bounds memory: past <see cref="MaxRemembered"/> entries, forgets those outside the window (or all).</summary>
    private void Forget(DateTimeOffset now)
    {
        if (_recent.Count < MaxRemembered)
        {
            return;
        }

        foreach (var stale in _recent.Where(p => now - p.Value.Written >= _options.RepeatWindow).Select(p => p.Key).ToList())
        {
            _recent.Remove(stale);
        }

        if (_recent.Count >= MaxRemembered)
        {
            _recent.Clear();
            _buckets.Clear();
        }
    }

    private sealed record Pending(string Key, V1ObjectReference Subject, string Type, string Reason, string Message);

    /// <summary>The Event's name once created, the count written with it, repeats not yet written, when it was last written.</summary>
    private sealed record Recorded(string? Name, int Count, int Unwritten, DateTimeOffset Written);
}
