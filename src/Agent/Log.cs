namespace Flamewatch.Agent;

/// <summary>The agent's log messages. Event ids are stable: add new ones, never renumber.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Profile store opened at {Path}: {Profiles} profiles, {Bytes} bytes of samples")]
    public static partial void StoreOpened(this ILogger logger, string path, long profiles, long bytes);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Writing {Count} profiles to the store failed")]
    public static partial void StoreWriteFailed(this ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Retention deleted {Profiles} profiles ({Bytes} bytes)")]
    public static partial void RetentionDeleted(this ILogger logger, int profiles, long bytes);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "Retention failed")]
    public static partial void RetentionFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Stored profile {Id} of {Application} ({Bytes} bytes, {Types} types) from {Path}")]
    public static partial void ProfileStored(this ILogger logger, long id, string application, long bytes, int types, string path);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Rejected upload to {Path} with {StatusCode}: {Reason}")]
    public static partial void UploadRejected(this ILogger logger, string path, int statusCode, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Rejected a request to {Path}: the token presented is not valid")]
    public static partial void Unauthorized(this ILogger logger, string path);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Flamewatch agent listening; UI at {Url}")]
    public static partial void Listening(this ILogger logger, string url);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "Answered 401 to a request to {Path} that carried no token")]
    public static partial void TokenMissing(this ILogger logger, string path);
}
