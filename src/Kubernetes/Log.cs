using Microsoft.Extensions.Logging;

namespace Flamewatch.Kubernetes;

/// <summary>Event ids of Flamewatch.Kubernetes; never renumber.</summary>
internal enum LogEvent
{
    Unauthorized = 1001,
    Throttled = 1002,
    InformerListed = 1101,
    InformerWatchEnded = 1102,
    InformerWatchFailed = 1103,
    InformerExpired = 1104,
    InformerHandlerFailed = 1105,
    InformerWatchBroke = 1106,
    LeaderAcquired = 1201,
    LeaderLost = 1202,
    LeaderRenewFailed = 1203,
    LeaderReleased = 1204,
    LeaderNewHolder = 1205,
}

internal static partial class Log
{
    [LoggerMessage(EventId = (int)LogEvent.Unauthorized, Level = LogLevel.Information, Message = "{Method} {Path}: 401 Unauthorized; re-reading credentials and retrying once")]
    public static partial void Unauthorized(ILogger logger, string method, string path);

    [LoggerMessage(EventId = (int)LogEvent.Throttled, Level = LogLevel.Warning, Message = "{Method} {Path}: 429 Too Many Requests; retrying after {Seconds} s")]
    public static partial void Throttled(ILogger logger, string method, string path, double seconds);

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

    [LoggerMessage(EventId = (int)LogEvent.LeaderAcquired, Level = LogLevel.Information, Message = "Leader election {Lease}: {Identity} became leader")]
    public static partial void LeaderAcquired(ILogger logger, string lease, string identity);

    [LoggerMessage(EventId = (int)LogEvent.LeaderLost, Level = LogLevel.Warning, Message = "Leader election {Lease}: {Identity} stopped leading")]
    public static partial void LeaderLost(ILogger logger, string lease, string identity);

    [LoggerMessage(EventId = (int)LogEvent.LeaderRenewFailed, Level = LogLevel.Debug, Message = "Leader election {Lease}: acquire/renew attempt failed")]
    public static partial void LeaderRenewFailed(ILogger logger, string lease, Exception exception);

    [LoggerMessage(EventId = (int)LogEvent.LeaderReleased, Level = LogLevel.Information, Message = "Leader election {Lease}: {Identity} released the lease")]
    public static partial void LeaderReleased(ILogger logger, string lease, string identity);

    [LoggerMessage(EventId = (int)LogEvent.LeaderNewHolder, Level = LogLevel.Information, Message = "Leader election {Lease}: current leader is {Holder}")]
    public static partial void LeaderNewHolder(ILogger logger, string lease, string holder);
}
