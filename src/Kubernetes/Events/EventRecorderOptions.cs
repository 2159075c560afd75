namespace Flamewatch.Kubernetes.Events;

/// <summary>Who records Events and how hard repeats and bursts are limited (see <see cref="EventRecorder"/>).</summary>
public sealed record EventRecorderOptions
{
    /// <summary><c>source.component</c> and <c>reportingComponent</c>, e.g. <c>flamewatch-operator</c>.</summary>
    public required string Component { get; init; }

    /// <summary><c>reportingInstance</c>: which replica or node recorded it.</summary>
    public string Instance { get; init; } = Environment.MachineName;

    /// <summary><c>source.host</c>: the node, for Events a node agent records.</summary>
    public string? Host { get; init; }

    /// <summary>Writes (creates or count updates) each object may make at once.</summary>
    public int Burst { get; init; } = EventRecorder.DefaultBurst;

    /// <summary>One more write per object becomes available every interval, up to <see cref="Burst"/>.</summary>
    public TimeSpan RefillInterval { get; init; } = EventRecorder.DefaultRefillInterval;

    /// <summary>An identical Event is written at most once per window; repeats meanwhile only add to its count.</summary>
    public TimeSpan RepeatWindow { get; init; } = EventRecorder.DefaultRepeatWindow;

    /// <summary>Events waiting to be sent; when full, new ones are dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>Called for every Event written (created or its count updated).</summary>
    public Action? OnRecorded { get; init; }

    /// <summary>Called for every Event not written: the rate limit, a full queue or an API error.</summary>
    public Action? OnDropped { get; init; }
}
