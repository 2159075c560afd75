using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flamewatch.Profiling.Export;

/// <summary>
/// Decorates an exporter with a bounded queue and retries. <see cref="ExportAsync"/> only enqueues, so a slow
/// or unreachable receiver never holds up profiling. One sender works through the queue in order; a failed
/// upload is retried with exponential backoff and full jitter in [backoff/2, backoff] (so collectors that
/// failed together do not retry together), never sooner than the receiver's <c>Retry-After</c>. When the
/// queue is full the oldest upload is dropped and counted; a non-retryable answer or too many attempts
/// abandons an upload, also counted.
/// </summary>
public sealed partial class RetryingExporter : IProfileExporter, IAsyncDisposable
{
    private readonly IProfileExporter _inner;
    private readonly RetryingExporterOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly LinkedList<ProfileUpload> _queue = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    private long _exported;
    private long _dropped;
    private long _abandoned;
    private long _retries;

    public RetryingExporter(IProfileExporter inner, RetryingExporterOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _options = options ?? new RetryingExporterOptions();
        _options.Validate();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _sender = Task.Run(SendLoopAsync);
    }

    /// <summary>Uploads the inner exporter accepted.</summary>
    public long Exported => Interlocked.Read(ref _exported);

    /// <summary>Uploads dropped because the queue was full (the oldest goes).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Uploads given up after a non-retryable failure or <see cref="RetryingExporterOptions.MaxAttempts"/>.</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>Attempts beyond the first.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Uploads waiting (including one being retried).</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Queues the upload and returns at once.</summary>
    public Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        lock (_gate)
        {
            if (_queue.Count >= _options.Capacity)
            {
                // The head may be in flight; the sender notices that it is gone and does not send it twice.
                _queue.RemoveFirst();
                Interlocked.Increment(ref _dropped);
                LogDropped(_logger, upload.ApplicationName, _options.Capacity);
            }
            _queue.AddLast(upload);
        }
        // One release per enqueue; the sender skips wake-ups that find the queue empty.
        _available.Release();
        return Task.CompletedTask;
    }

    /// <summary>Stops the sender; uploads still queued are not sent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }
        await _stopping.CancelAsync();
        try
        {
            await _sender;
        }
        catch (OperationCanceledException)
        {
        }
        _stopping.Dispose();
        _available.Dispose();
    }

    private async Task SendLoopAsync()
    {
        var cancellationToken = _stopping.Token;
        while (!cancellationToken.IsCancellationRequested)
        {
            await _available.WaitAsync(cancellationToken);
            ProfileUpload? upload;
            lock (_gate)
            {
                upload = _queue.First?.Value;
            }
            if (upload is null)
            {
                continue;
            }
            await SendWithRetriesAsync(upload, cancellationToken);
            lock (_gate)
            {
                if (ReferenceEquals(_queue.First?.Value, upload))
                {
                    _queue.RemoveFirst();
                }
            }
        }
    }

    private async Task SendWithRetriesAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (attempt > 1)
            {
                Interlocked.Increment(ref _retries);
            }
            try
            {
                await _inner.ExportAsync(upload, cancellationToken);
                Interlocked.Increment(ref _exported);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                var retryable = ex is TimeoutException or HttpRequestException || ex is ExportException { IsRetryable: true };
                if (!retryable || attempt >= _options.MaxAttempts)
                {
                    Interlocked.Increment(ref _abandoned);
                    LogAbandoned(_logger, upload.ApplicationName, attempt, ex);
                    return;
                }
                var delay = _options.Backoff(attempt, (ex as ExportException)?.RetryAfter);
                LogRetrying(_logger, upload.ApplicationName, attempt, delay.TotalSeconds, ex.Message);
                await Task.Delay(delay, _timeProvider, cancellationToken);
                lock (_gate)
                {
                    if (!ReferenceEquals(_queue.First?.Value, upload))
                    {
                        return; // Dropped while waiting: the queue overflowed.
                    }
                }
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Upload queue full ({Capacity}); dropped the oldest upload (newest from {Application})")]
    private static partial void LogDropped(ILogger logger, string application, int capacity);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Upload of {Application} failed (attempt {Attempt}); retrying in {DelaySeconds:0.0} s: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string application, int attempt, double delaySeconds, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Upload of {Application} abandoned after {Attempts} attempts")]
    private static partial void LogAbandoned(ILogger logger, string application, int attempts, Exception exception);
}
