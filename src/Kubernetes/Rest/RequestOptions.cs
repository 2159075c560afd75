namespace Flamewatch.Kubernetes.Rest;

/// <summary>Options of a list request.</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>Page size; null = no paging.</summary>
    public int? Limit { get; init; }

    public string? Continue { get; init; }

    /// <summary>null = most recent (consistent read); "0" = any (may be served from cache).</summary>
    public string? ResourceVersion { get; init; }

    public string? ResourceVersionMatch { get; init; }
}

/// <summary>Options of a watch request.</summary>
public sealed record WatchOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>Start after this resourceVersion; null or "0" begins with synthetic ADDED events for the current state.</summary>
    public string? ResourceVersion { get; init; }

    public bool AllowBookmarks { get; init; } = true;

    /// <summary>The server ends the watch after this long (sent as timeoutSeconds).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// Watchdog: if nothing at all (no event, no bookmark) arrives for this long the stream is treated as dead
    /// and the watch ends with a <see cref="WatchIdleException"/>. Defaults to <see cref="Timeout"/> + 30 s when
    /// a timeout is set, else 10 minutes.
    /// </summary>
    public TimeSpan? IdleTimeout { get; init; }
}

/// <summary>Options of a delete request.</summary>
public sealed record DeleteOptions
{
    public string? PropagationPolicy { get; init; }
    public long? GracePeriodSeconds { get; init; }

    /// <summary>Delete only if the object still has this UID (precondition).</summary>
    public string? PreconditionUid { get; init; }

    /// <summary>Delete only if the object still has this resourceVersion (precondition).</summary>
    public string? PreconditionResourceVersion { get; init; }
}

/// <summary>The watchdog saw no bytes on a watch stream within the idle timeout.</summary>
public sealed class WatchIdleException(TimeSpan idle) : Exception($"watch stream silent for {idle.TotalSeconds:0.#} s; reconnecting");
