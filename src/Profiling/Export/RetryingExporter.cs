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
/// <para>
/// Closing (<see cref="CloseAsync"/>, or <see cref="DisposeAsync"/> with <see cref="RetryingExporterOptions.DrainTimeout"/>)
/// stops taking uploads and delivers what is queued (the last period, flushed at stop, is usually among it) within one
/// deadline for the whole queue. A retry waiting for its backoff (or about to) starts at once; after that attempt, no
/// retry starts whose backoff would end past the deadline; at the deadline the attempt in flight is cancelled. Whatever is unsent then is
/// abandoned and counted, so every upload handed over ends up counted exactly once: <see cref="Exported"/>,
/// <see cref="Dropped"/> or <see cref="Abandoned"/>.
/// </para>
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
    // Cancelled when closing begins: ends a backoff early.
    private readonly CancellationTokenSource _closing = new();
    // Cancelled at the closing deadline: ends the attempt in flight and the sender.
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource<int> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _sender;
    private bool _closeStarted;
    private ProfileUpload? _sending;
    private DateTimeOffset _deadline = DateTimeOffset.MaxValue;
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

    /// <summary>
    /// Uploads given up after a non-retryable failure or <see cref="RetryingExporterOptions.MaxAttempts"/>, and uploads
    /// still unsent when closing reached its deadline.
    /// </summary>
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

    /// <summary>Queues the upload and returns at once. Throws <see cref="ObjectDisposedException"/> once closing has begun.</summary>
    public Task ExportAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closeStarted, this);
            if (_queue.Count >= _options.Capacity)
            {
                // The oldest upload goes, unless it is being sent right now: then the next oldest (with a capacity of
                // one, the new upload itself). An upload is counted once, as sent, dropped or abandoned.
                var victim = _queue.First!;
                if (ReferenceEquals(victim.Value, _sending))
                {
                    victim = victim.Next;
                }
                Interlocked.Increment(ref _dropped);
                LogDropped(_logger, upload.ApplicationName, _options.Capacity);
                if (victim is null)
                {
                    return Task.CompletedTask;
                }
                _queue.Remove(victim);
            }
            _queue.AddLast(upload);
            // One release per enqueue; the sender skips wake-ups that find the queue empty.
            _available.Release();
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops taking uploads and delivers what is queued, giving up when <paramref name="timeout"/> has passed (one
    /// deadline for the whole queue) or <paramref name="cancellationToken"/> is cancelled. Returns how many uploads were
    /// still unsent then; they are counted in <see cref="Abandoned"/>. Later calls wait for the first and return its result.
    /// </summary>
    public async Task<int> CloseAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(timeout, RetryingExporterOptions.MaxDrainTimeout);
        bool first;
        lock (_gate)
        {
            first = !_closeStarted;
            if (first)
            {
                _closeStarted = true;
                _deadline = _timeProvider.GetUtcNow() + timeout;
                // Wakes a sender that waits on an empty queue, so that it sees the close and ends.
                _available.Release();
            }
        }
        if (!first)
        {
            return await _closed.Task.ConfigureAwait(false);
        }
        // Ends a backoff: the next attempt starts now.
        await _closing.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sender.WaitAsync(timeout, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        await _abort.CancelAsync().ConfigureAwait(false);
        try
        {
            await _sender.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        int unsent;
        lock (_gate)
        {
            unsent = _queue.Count;
            _queue.Clear();
        }
        if (unsent > 0)
        {
            Interlocked.Add(ref _abandoned, unsent);
            LogUnsentAtClose(_logger, unsent, timeout.TotalSeconds);
        }
        _closed.TrySetResult(unsent);
        return unsent;
    }

    /// <summary>Closes with <see cref="RetryingExporterOptions.DrainTimeout"/> (see <see cref="CloseAsync"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync(_options.DrainTimeout).ConfigureAwait(false);
        _closing.Dispose();
        _abort.Dispose();
    }

    private async Task SendLoopAsync()
    {
        var cancellationToken = _abort.Token;
        while (true)
        {
            ProfileUpload? upload;
            lock (_gate)
            {
                upload = _queue.First?.Value;
                if (upload is null && _closeStarted)
                {
                    return;
                }
            }
            if (upload is null)
            {
                await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            await SendWithRetriesAsync(upload, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the queue's head until it is sent, abandoned or dropped, and takes it off the queue.</summary>
    private async Task SendWithRetriesAsync(ProfileUpload upload, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            bool beganWhileClosing;
            lock (_gate)
            {
                if (!ReferenceEquals(_queue.First?.Value, upload))
                {
                    return; // Dropped (and counted) while it waited for a retry.
                }
                _sending = upload;
                beganWhileClosing = _closeStarted;
            }
            if (attempt > 1)
            {
                Interlocked.Increment(ref _retries);
            }
            Exception failure;
            try
            {
                await _inner.ExportAsync(upload, cancellationToken).ConfigureAwait(false);
                Finish(upload);
                Interlocked.Increment(ref _exported);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Closing reached its deadline: the upload stays queued and is counted as unsent.
                lock (_gate)
                {
                    _sending = null;
                }
                throw;
            }
            catch (Exception ex)
            {
                failure = ex;
                lock (_gate)
                {
                    _sending = null;
                }
            }
            var retryable = failure is TimeoutException or HttpRequestException || failure is ExportException { IsRetryable: true };
            var delay = _options.Backoff(attempt, (failure as ExportException)?.RetryAfter);
            if (!retryable || attempt >= _options.MaxAttempts || (beganWhileClosing && !EndsBeforeDeadline(delay)))
            {
                Finish(upload);
                Interlocked.Increment(ref _abandoned);
                LogAbandoned(_logger, upload.ApplicationName, attempt, failure);
                return;
            }
            LogRetrying(_logger, upload.ApplicationName, attempt, delay.TotalSeconds, failure.Message);
            await BackOffAsync(delay, interruptedByClosing: !beganWhileClosing, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Finish(ProfileUpload upload)
    {
        lock (_gate)
        {
            _sending = null;
            // Being sent, it could not be dropped: it is still the head.
            if (ReferenceEquals(_queue.First?.Value, upload))
            {
                _queue.RemoveFirst();
            }
        }
    }

    /// <summary>Whether a wait of <paramref name="delay"/> from now ends before closing's deadline.</summary>
    private bool EndsBeforeDeadline(TimeSpan delay)
    {
        DateTimeOffset deadline;
        lock (_gate)
        {
            deadline = _deadline;
        }
        return _timeProvider.GetUtcNow() + delay < deadline;
    }

    /// <summary>
    /// Waits <paramref name="delay"/> before the next attempt. When <paramref name="interruptedByClosing"/> (the failed
    /// attempt began before closing), closing ends the wait, or skips it if closing has already begun, so the upload is
    /// tried once more before the deadline. Attempts that began while closing only retry when their backoff ends before
    /// the deadline (checked by the caller).
    /// </summary>
    private async Task BackOffAsync(TimeSpan delay, bool interruptedByClosing, CancellationToken cancellationToken)
    {
        if (!interruptedByClosing)
        {
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            return;
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        try
        {
            await Task.Delay(delay, _timeProvider, wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Closing began: try again now, within its deadline.
        }
    }

    [LoggerMessage(EventId = (int)ProfilingEventId.UploadQueueFull, Level = LogLevel.Warning, Message = "Upload queue full ({Capacity}); dropped the oldest upload (newest from {Application})")]
    private static partial void LogDropped(ILogger logger, string application, int capacity);

    [LoggerMessage(EventId = (int)ProfilingEventId.UploadRetrying, Level = LogLevel.Information, Message = "Upload of {Application} failed (attempt {Attempt}); retrying in {DelaySeconds:0.0} s: {Reason}")]
    private static partial void LogRetrying(ILogger logger, string application, int attempt, double delaySeconds, string reason);

    [LoggerMessage(EventId = (int)ProfilingEventId.UploadAbandoned, Level = LogLevel.Warning, Message = "Upload of {Application} abandoned after {Attempts} attempts")]
    private static partial void LogAbandoned(ILogger logger, string application, int attempts, Exception exception);

    [LoggerMessage(EventId = (int)ProfilingEventId.UnsentAtClose, Level = LogLevel.Warning, Message = "{Count} queued upload(s) abandoned: not delivered within the {TimeoutSeconds:0.#} s allowed at close")]
    private static partial void LogUnsentAtClose(ILogger logger, int count, double timeoutSeconds);
}
