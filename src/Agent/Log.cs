namespace Flamewatch.Agent;

/// <summary>The agent's log messages. Event IDs are those of <see cref="AgentEventId"/>.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = (int)AgentEventId.StoreOpened, Level = LogLevel.Information, Message = "Profile store opened at {Path}: {Profiles} profiles, {Bytes} bytes of samples")]
    public static partial void StoreOpened(this ILogger logger, string path, long profiles, long bytes);

    [LoggerMessage(EventId = (int)AgentEventId.StoreWriteFailed, Level = LogLevel.Error, Message = "Writing {Count} profiles to the store failed")]
    public static partial void StoreWriteFailed(this ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = (int)AgentEventId.RetentionDeleted, Level = LogLevel.Information, Message = "Retention deleted {Profiles} profiles ({Bytes} bytes)")]
    public static partial void RetentionDeleted(this ILogger logger, int profiles, long bytes);

    [LoggerMessage(EventId = (int)AgentEventId.RetentionFailed, Level = LogLevel.Error, Message = "Retention failed")]
    public static partial void RetentionFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = (int)AgentEventId.ProfileStored, Level = LogLevel.Debug, Message = "Stored profile {Id} of {Application} ({Bytes} bytes, {Types} types) from {Path}")]
    public static partial void ProfileStored(this ILogger logger, long id, string application, long bytes, int types, string path);

    [LoggerMessage(EventId = (int)AgentEventId.UploadRejected, Level = LogLevel.Warning, Message = "Rejected upload to {Path} with {StatusCode}: {Reason}")]
    public static partial void UploadRejected(this ILogger logger, string path, int statusCode, string reason);

    [LoggerMessage(EventId = (int)AgentEventId.Unauthorized, Level = LogLevel.Warning, Message = "Rejected a request to {Path}: the token presented is not valid")]
    public static partial void Unauthorized(this ILogger logger, string path);

    [LoggerMessage(EventId = (int)AgentEventId.Listening, Level = LogLevel.Information, Message = "Flamewatch agent listening; UI at {Url}")]
    public static partial void Listening(this ILogger logger, string url);

    [LoggerMessage(EventId = (int)AgentEventId.TokenMissing, Level = LogLevel.Debug, Message = "Answered 401 to a request to {Path} that carried no token")]
    public static partial void TokenMissing(this ILogger logger, string path);
}
