using Microsoft.Extensions.Logging;

namespace Flamewatch.Profiling;

/// <summary>
/// Event IDs of Flamewatch.Profiling, in its range 1000–1999 (docs/logging.md): the profiling session 1000–1099, the
/// in-process profiler 1100–1199 (<see cref="ProfilerEventId"/>), the upload retry queue 1200–1299. Never renumber.
/// </summary>
internal enum ProfilingEventId
{
    Attached = 1000,
    AttachFailed = 1001,
    RateMode = 1002,
    PeriodCompleted = 1003,
    ProfileDropped = 1004,
    ExportFailed = 1005,
    TargetExited = 1006,
    StreamFaulted = 1007,
    RundownFailed = 1008,
    SliceFailed = 1009,
    EventsSliced = 1010,
    SocketByPath = 1011,
    UploadQueueFull = 1201,
    UploadRetrying = 1202,
    UploadAbandoned = 1203,
    UnsentAtClose = 1204,
}

internal static partial class Log
{
    [LoggerMessage(EventId = (int)ProfilingEventId.Attached, Level = LogLevel.Information, Message = "Attached to process {Pid}")]
    public static partial void Attached(ILogger logger, int pid);

    [LoggerMessage(EventId = (int)ProfilingEventId.AttachFailed, Level = LogLevel.Information, Message = "Cannot profile process {Pid}: {Reason}")]
    public static partial void AttachFailed(ILogger logger, int pid, string reason);

    [LoggerMessage(EventId = (int)ProfilingEventId.RateMode, Level = LogLevel.Information,
        Message = "Process {Pid}: sampler interval ≈{IntervalMs:F2} ms; {Mode} sampling for {FrequencyHz} Hz")]
    public static partial void RateMode(ILogger logger, int pid, double intervalMs, string mode, int frequencyHz);

    [LoggerMessage(EventId = (int)ProfilingEventId.PeriodCompleted, Level = LogLevel.Debug,
        Message = "Process {Pid}: period of {Seconds:F1} s, {Rounds} rounds ({Hz:F1} Hz), {AllocationSamples} allocation samples, {Unresolved} unresolved frames, {Bytes} pprof bytes")]
    public static partial void PeriodCompleted(ILogger logger, int pid, double seconds, long rounds, double hz, long allocationSamples, int unresolved, int bytes);

    [LoggerMessage(EventId = (int)ProfilingEventId.ProfileDropped, Level = LogLevel.Warning, Message = "Process {Pid}: export queue full, profile dropped ({Dropped} so far)")]
    public static partial void ProfileDropped(ILogger logger, int pid, long dropped);

    [LoggerMessage(EventId = (int)ProfilingEventId.ExportFailed, Level = LogLevel.Warning, Message = "Process {Pid}: exporting a profile failed")]
    public static partial void ExportFailed(ILogger logger, int pid, Exception exception);

    [LoggerMessage(EventId = (int)ProfilingEventId.TargetExited, Level = LogLevel.Information, Message = "Process {Pid} exited; its session ended")]
    public static partial void TargetExited(ILogger logger, int pid);

    [LoggerMessage(EventId = (int)ProfilingEventId.StreamFaulted, Level = LogLevel.Warning, Message = "Process {Pid}: the event stream failed")]
    public static partial void StreamFaulted(ILogger logger, int pid, Exception? exception);

    [LoggerMessage(EventId = (int)ProfilingEventId.RundownFailed, Level = LogLevel.Debug, Message = "Process {Pid}: symbol rundown failed")]
    public static partial void RundownFailed(ILogger logger, int pid, Exception exception);

    [LoggerMessage(EventId = (int)ProfilingEventId.EventsSliced, Level = LogLevel.Debug, Message = "Process {Pid} raises {Rate:F0} {Events} events/s: observing {Duty:P1} of the time")]
    public static partial void EventsSliced(ILogger logger, int pid, double rate, string events, double duty);

    [LoggerMessage(EventId = (int)ProfilingEventId.SocketByPath, Level = LogLevel.Debug,
        Message = "Process {Pid}: its diagnostic socket is reached by path, resolved in user space, because {Reason}; a container that swaps a directory for a link meanwhile could redirect the connection")]
    public static partial void SocketByPath(ILogger logger, int pid, string reason);

    [LoggerMessage(EventId = (int)ProfilingEventId.SliceFailed, Level = LogLevel.Debug, Message = "Process {Pid}: a sampler slice failed")]
    public static partial void SliceFailed(ILogger logger, int pid, Exception exception);
}
