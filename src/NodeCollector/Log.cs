using Microsoft.Extensions.Logging;

namespace Flamewatch.NodeCollector;

/// <summary>Event IDs of the collector, in its range 2000–2999 (docs/logging.md). Never renumber.</summary>
internal enum CollectorEventId
{
    Started = 2000,
    ReconcileFailed = 2001,
    SessionStarting = 2002,
    SessionStarted = 2003,
    AttachFailed = 2004,
    SessionEnded = 2005,
    SessionStopping = 2006,
    SessionUpdating = 2007,
    EventRecorded = 2008,
    EventNotRecorded = 2009,
    StopTimedOut = 2010,
    ShuttingDown = 2011,
}

internal static partial class Log
{
    [LoggerMessage(EventId = (int)CollectorEventId.Started, Level = LogLevel.Information,
        Message = "Collector for node {Node} started: {Pods} pods of this node cached; uploading to {Agent} ({Protocol})")]
    public static partial void Started(ILogger logger, string node, int pods, string agent, string protocol);

    [LoggerMessage(EventId = (int)CollectorEventId.ReconcileFailed, Level = LogLevel.Error, Message = "Reconciling sessions failed; retrying at the next scan")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = (int)CollectorEventId.SessionStarting, Level = LogLevel.Debug, Message = "Attaching to {Session}")]
    public static partial void SessionStarting(ILogger logger, string session);

    [LoggerMessage(EventId = (int)CollectorEventId.SessionStarted, Level = LogLevel.Information,
        Message = "Profiling {Session} as {Application} (.NET {RuntimeVersion}, period {Period}, {Frequency} Hz)")]
    public static partial void SessionStarted(ILogger logger, string session, string application, string runtimeVersion, TimeSpan period, int frequency);

    [LoggerMessage(EventId = (int)CollectorEventId.AttachFailed, Level = LogLevel.Warning, Message = "Cannot profile {Session}: {Outcome}: {Reason}; retrying in {Backoff}")]
    public static partial void AttachFailed(ILogger logger, string session, string outcome, string reason, TimeSpan backoff);

    [LoggerMessage(EventId = (int)CollectorEventId.SessionEnded, Level = LogLevel.Information, Message = "Session of {Session} ended ({End}): {Message}")]
    public static partial void SessionEnded(ILogger logger, string session, string end, string message);

    [LoggerMessage(EventId = (int)CollectorEventId.SessionStopping, Level = LogLevel.Information, Message = "Stopping the session of {Session} ({Reason}); flushing its partial period")]
    public static partial void SessionStopping(ILogger logger, string session, string reason);

    [LoggerMessage(EventId = (int)CollectorEventId.SessionUpdating, Level = LogLevel.Information, Message = "Settings of {Session} changed; flushing the current period and going on with the new settings")]
    public static partial void SessionUpdating(ILogger logger, string session);

    [LoggerMessage(EventId = (int)CollectorEventId.EventRecorded, Level = LogLevel.Information, Message = "{Type} event {Reason} on pod {Namespace}/{Pod}: {Message}")]
    public static partial void EventRecorded(ILogger logger, string type, string reason, string @namespace, string pod, string message);

    [LoggerMessage(EventId = (int)CollectorEventId.EventNotRecorded, Level = LogLevel.Warning, Message = "Could not record event {Reason} on pod {Namespace}/{Pod}")]
    public static partial void EventNotRecorded(ILogger logger, string reason, string @namespace, string pod, Exception exception);

    [LoggerMessage(EventId = (int)CollectorEventId.StopTimedOut, Level = LogLevel.Warning, Message = "The session of {Session} did not stop within {Timeout}; abandoned")]
    public static partial void StopTimedOut(ILogger logger, string session, TimeSpan timeout);

    [LoggerMessage(EventId = (int)CollectorEventId.ShuttingDown, Level = LogLevel.Information, Message = "Shutting down: stopping {Sessions} sessions and flushing their partial periods")]
    public static partial void ShuttingDown(ILogger logger, int sessions);
}
