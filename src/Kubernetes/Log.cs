using Microsoft.Extensions.Logging;

namespace Flamewatch.Kubernetes;

/// <summary>
/// Event IDs of Flamewatch.Kubernetes, in its range 3000–3999 (docs/logging.md); never renumber. They were 11xx–13xx
/// until those collided with Flamewatch.Profiling's range in the collector, which loads both.
/// </summary>
internal enum LogEvent
{
    // 3001 (Unauthorized) and 3002 (Throttled) belonged to the former REST client; 3201-3203 and 3205 to the former leader elector.
    InformerListed = 3101,
    InformerWatchEnded = 3102,
    InformerWatchFailed = 3103,
    InformerExpired = 3104,
    InformerHandlerFailed = 3105,
    InformerWatchBroke = 3106,
    LeaderReleased = 3204,
    EventRecorded = 3301,
    EventNotRecorded = 3302,
}

internal static partial class Log
{
    [LoggerMessage(EventId = (int)LogEvent.InformerListed, Level = LogLevel.Debug, Message = "Informer {Resource}: listed {Count} objects at resourceVersion {ResourceVersion}")]
    public static partial void InformerListed(ILogger logger, string resource, int count, string? resourceVersion);

    [LoggerMessage(EventId = (int)LogEvent.InformerWatchEnded, Level = LogLevel.Debug, Message = "Informer {Resource}: watch ended after {Events} events; resuming from {ResourceVersion}")]
    public static partial void InformerWatchEnded(ILogger logger, string resource, int events, string? resourceVersion);

    [LoggerMessage(EventId = (int)LogEvent.InformerWatchBroke, Level = LogLevel.Debug,
        Message = "Informer {Resource}: watch connection broke after {Events} events and {Seconds:0.#} s ({Reason}); resuming from {ResourceVersion}")]
    public static partial void InformerWatchBroke(ILogger logger, string resource, int events, double seconds, string? resourceVersion, string reason);

    [LoggerMessage(EventId = (int)LogEvent.InformerWatchFailed, Level = LogLevel.Warning, Message = "Informer {Resource}: list/watch failed; retrying in {DelaySeconds} s")]
    public static partial void InformerWatchFailed(ILogger logger, string resource, double delaySeconds, Exception exception);

    [LoggerMessage(EventId = (int)LogEvent.InformerExpired, Level = LogLevel.Information, Message = "Informer {Resource}: resourceVersion {ResourceVersion} expired; relisting")]
    public static partial void InformerExpired(ILogger logger, string resource, string? resourceVersion);

    [LoggerMessage(EventId = (int)LogEvent.InformerHandlerFailed, Level = LogLevel.Error, Message = "Informer {Resource}: an event handler threw")]
    public static partial void InformerHandlerFailed(ILogger logger, string resource, Exception exception);

    [LoggerMessage(EventId = (int)LogEvent.LeaderReleased, Level = LogLevel.Information, Message = "Leader election {Lease}: {Identity} released the lease")]
    public static partial void LeaderReleased(ILogger logger, string lease, string identity);

    [LoggerMessage(EventId = (int)LogEvent.EventRecorded, Level = LogLevel.Debug, Message = "Event {Type} {Reason} on {Namespace}/{Name}: {Message}")]
    public static partial void EventRecorded(ILogger logger, string type, string reason, string @namespace, string name, string message);

    [LoggerMessage(EventId = (int)LogEvent.EventNotRecorded, Level = LogLevel.Warning, Message = "Event {Reason} on {Namespace}/{Name} could not be recorded")]
    public static partial void EventNotRecorded(ILogger logger, string reason, string @namespace, string name, Exception exception);
}
