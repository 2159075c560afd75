using Microsoft.Extensions.Logging;

namespace Flamewatch;

/// <summary>Event IDs of the in-process profiler: 1100–1199 of Flamewatch.Profiling's range (docs/logging.md). Never renumber.</summary>
internal enum ProfilerEventId
{
    Started = 1100,
    StartFailed = 1101,
    Stopped = 1102,
    FinalUploadFailed = 1103,
    FlushIncomplete = 1104,
    UploadFailed = 1105,
}

internal static partial class ProfilerLog
{
    [LoggerMessage(EventId = (int)ProfilerEventId.Started, Level = LogLevel.Information,
        Message = "Profiling {Application} (process {Pid}) every {PeriodSeconds} s to {Agent}")]
    public static partial void Started(ILogger logger, string application, int pid, double periodSeconds, string agent);

    [LoggerMessage(EventId = (int)ProfilerEventId.StartFailed, Level = LogLevel.Warning, Message = "The profiler cannot profile this process: {Reason}")]
    public static partial void StartFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = (int)ProfilerEventId.Stopped, Level = LogLevel.Information,
        Message = "Profiler stopped after {Seconds:F1} s; {Collected} profiles collected, {Uploaded} uploaded, {Dropped} dropped")]
    public static partial void Stopped(ILogger logger, double seconds, long collected, long uploaded, long dropped);

    [LoggerMessage(EventId = (int)ProfilerEventId.FinalUploadFailed, Level = LogLevel.Warning, Message = "The last profile could not be uploaded: {Reason}")]
    public static partial void FinalUploadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = (int)ProfilerEventId.FlushIncomplete, Level = LogLevel.Warning,
        Message = "Stop gave up flushing after the upload timeout ({Seconds} s); {Unsent} profiles were not sent")]
    public static partial void FlushIncomplete(ILogger logger, double seconds, long unsent);

    [LoggerMessage(EventId = (int)ProfilerEventId.UploadFailed, Level = LogLevel.Debug, Message = "A profile upload failed: {Reason}")]
    public static partial void UploadFailed(ILogger logger, string reason);
}
