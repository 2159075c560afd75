using Flamewatch.Profiling.Export;
using Microsoft.Extensions.Logging;

namespace Flamewatch;

/// <summary>
/// Where a <see cref="Profiler"/>'s session sends its profiles. While profiling, each period's profile is queued on a
/// <see cref="RetryingExporter"/> (so a slow or absent agent never holds up profiling). Once Stop begins, profiles
/// (the flushed partial period) are uploaded at once, one attempt each, cancelled at Stop's deadline. Never throws.
/// </summary>
internal sealed class ProfilerUploader : IProfileExporter
{
    private readonly RetryingExporter _queued;
    private readonly IProfileExporter _direct;
    private readonly ProfilerCounters _counters;
    private readonly ILogger _logger;
    private volatile CancellationTokenSource? _flushDeadline;
    private volatile bool _flushFailed;

    public ProfilerUploader(RetryingExporter queued, IProfileExporter direct, ProfilerCounters counters, ILogger logger)
    {
        _queued = queued;
        _direct = direct;
        _counters = counters;
        _logger = logger;
    }

    /// <summary>Whether an upload failed since <see cref="BeginFlush"/>: the agent is unreachable, so waiting for the queue is pointless.</summary>
    public bool FlushFailed => _flushFailed;

    /// <summary>From now on, upload directly, giving up when <paramref name="deadline"/> is cancelled.</summary>
    public void BeginFlush(CancellationTokenSource deadline) => _flushDeadline = deadline;

    public async Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        if (_flushDeadline is not { } deadline)
        {
            try
            {
                await _queued.ExportAsync(upload, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                _counters.Dropped(1);
            }
            return;
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await _direct.ExportAsync(upload, linked.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _flushFailed = true;
            _counters.Dropped(1);
            var reason = e is OperationCanceledException ? "Stop's flush reached the upload timeout." : e.Message;
            _counters.Failed(reason);
            ProfilerLog.FinalUploadFailed(_logger, reason);
        }
    }

    /// <summary>Records the reason of every failed attempt (for <see cref="ProfilerStatistics.LastError"/>) and rethrows it for the retry logic.</summary>
    public sealed class Recording(IProfileExporter inner, ProfilerCounters counters, ILogger logger) : IProfileExporter
    {
        public async Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
        {
            try
            {
                await inner.ExportAsync(upload, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                counters.Failed(e.Message);
                ProfilerLog.UploadFailed(logger, e.Message);
                throw;
            }
        }
    }
}
