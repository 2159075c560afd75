namespace Flamewatch.Kubernetes.Queue;

/// <summary>The <see cref="IWorkQueue{T}"/> implementation: dirty + processing sets, delayed adds, per-item exponential backoff.</summary>
public sealed class WorkQueue<T> : IWorkQueue<T>, IDisposable
    where T : notnull
{
    private readonly Lock _lock = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, int> _failures = [];
    private readonly Dictionary<T, (DateTimeOffset ReadyAt, ITimer Timer)> _waiting = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly TimeProvider _time;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;
    private TaskCompletionSource? _drained;
    private bool _shuttingDown;

    /// <param name="baseDelay">First retry delay (client-go: 5 ms).</param>
    /// <param name="maxDelay">Cap of the per-item backoff (client-go: 1000 s).</param>
    public WorkQueue(TimeProvider? timeProvider = null, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
    {
        _time = timeProvider ?? TimeProvider.System;
        _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(5);
        _maxDelay = maxDelay ?? TimeSpan.FromSeconds(1000);
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    public bool IsShuttingDown
    {
        get
        {
            lock (_lock)
            {
                return _shuttingDown;
            }
        }
    }

    public void Add(T item)
    {
        lock (_lock)
        {
            if (_shuttingDown || !_dirty.Add(item))
            {
                return;
            }

            if (_processing.Contains(item))
            {
                return;
            }

            _queue.Enqueue(item);
        }

        _available.Release();
    }

    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }

        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            var readyAt = _time.GetUtcNow() + delay;
            if (_waiting.TryGetValue(item, out var pending))
            {
                if (pending.ReadyAt <= readyAt)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            var timer = _time.CreateTimer(_ => Fire(item, readyAt), null, delay, Timeout.InfiniteTimeSpan);
            _waiting[item] = (readyAt, timer);
        }
    }

    private void Fire(T item, DateTimeOffset readyAt)
    {
        lock (_lock)
        {
            if (!_waiting.TryGetValue(item, out var pending) || pending.ReadyAt != readyAt)
            {
                return;
            }

            _waiting.Remove(item);
            pending.Timer.Dispose();
        }

        Add(item);
    }

    public void AddRateLimited(T item)
    {
        TimeSpan delay;
        lock (_lock)
        {
            var failures = _failures.GetValueOrDefault(item);
            _failures[item] = failures + 1;
            var ms = _baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 40));
            delay = TimeSpan.FromMilliseconds(Math.Min(ms, _maxDelay.TotalMilliseconds));
        }

        AddAfter(item, delay);
    }

    public void Forget(T item)
    {
        lock (_lock)
        {
            _failures.Remove(item);
        }
    }

    public int NumRequeues(T item)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(item);
        }
    }

    public async Task<(bool Ok, T Item)> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_queue.TryDequeue(out var item))
                {
                    _processing.Add(item);
                    _dirty.Remove(item);
                    return (true, item);
                }

                if (_shuttingDown)
                {
                    _available.Release();
                    return (false, default!);
                }
            }
        }
    }

    public void Done(T item)
    {
        var requeued = false;
        lock (_lock)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item))
            {
                _queue.Enqueue(item);
                requeued = true;
            }

            if (_processing.Count == 0)
            {
                _drained?.TrySetResult();
            }
        }

        if (requeued)
        {
            _available.Release();
        }
    }

    public void ShutDown()
    {
        lock (_lock)
        {
            if (_shuttingDown)
            {
                return;
            }

            _shuttingDown = true;
            foreach (var (_, pending) in _waiting)
            {
                pending.Timer.Dispose();
            }

            _waiting.Clear();
        }

        _available.Release();
    }

    public async Task ShutDownAsync(CancellationToken cancellationToken)
    {
        Task drained;
        lock (_lock)
        {
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_processing.Count == 0)
            {
                _drained.TrySetResult();
            }

            drained = _drained.Task;
        }

        ShutDown();
        await drained.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        ShutDown();
        _available.Dispose();
    }
}
