namespace Flamewatch.Operator.Runtime;

/// <summary>
/// A work queue with client-go semantics for reconcile keys: adding a queued key is a no-op; a key being processed
/// is never handed out twice at once (if it is added meanwhile, it is queued again when <see cref="Done"/> is
/// called); <see cref="AddRateLimited"/> re-adds after a per-key exponential backoff (5 ms doubling to 1000 s,
/// controller-runtime's default) until <see cref="Forget"/>.
/// </summary>
internal sealed class KeyQueue<T>(TimeProvider time)
    where T : notnull
{
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1000);

    private readonly Lock _lock = new();
    private readonly Queue<T> _queue = new();
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];
    private readonly Dictionary<T, int> _failures = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly HashSet<ITimer> _timers = [];
    private bool _shutDown;

    /// <summary>Called for every accepted add (for workqueue_adds_total).</summary>
    public Action? OnAdd { get; init; }

    /// <summary>Called for every rate-limited re-add (for workqueue_retries_total).</summary>
    public Action? OnRetry { get; init; }

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

    public void Add(T item)
    {
        lock (_lock)
        {
            if (_shutDown || !_dirty.Add(item))
            {
                return;
            }

            OnAdd?.Invoke();
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

        // Timers are kept referenced until they fire: an unreferenced timer may be collected before it does.
        var holder = new ITimer?[1];
        lock (_lock)
        {
            holder[0] = time.CreateTimer(
                _ =>
                {
                    lock (_lock)
                    {
                        _timers.Remove(holder[0]!);
                    }

                    holder[0]!.Dispose();
                    Add(item);
                },
                null,
                Timeout.InfiniteTimeSpan,
                Timeout.InfiniteTimeSpan);
            _timers.Add(holder[0]!);
        }

        holder[0]!.Change(delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Re-adds after this key's backoff; returns the delay chosen.</summary>
    public TimeSpan AddRateLimited(T item)
    {
        int failures;
        lock (_lock)
        {
            _failures.TryGetValue(item, out failures);
            _failures[item] = failures + 1;
        }

        var delay = TimeSpan.FromTicks((long)Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * Math.Pow(2, Math.Min(failures, 30))));
        OnRetry?.Invoke();
        AddAfter(item, delay);
        return delay;
    }

    public int Retries(T item)
    {
        lock (_lock)
        {
            return _failures.GetValueOrDefault(item);
        }
    }

    public void Forget(T item)
    {
        lock (_lock)
        {
            _failures.Remove(item);
        }
    }

    /// <summary>The next key to process, or default when the queue was shut down.</summary>
    public async Task<(bool Ok, T Item)> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_lock)
            {
                if (_shutDown)
                {
                    _available.Release();
                    return (false, default!);
                }

                if (_queue.TryDequeue(out var item))
                {
                    _processing.Add(item);
                    _dirty.Remove(item);
                    return (true, item);
                }
            }
        }
    }

    public void Done(T item)
    {
        var requeue = false;
        lock (_lock)
        {
            _processing.Remove(item);
            if (_dirty.Contains(item))
            {
                _queue.Enqueue(item);
                requeue = true;
            }
        }

        if (requeue)
        {
            _available.Release();
        }
    }

    public void ShutDown()
    {
        lock (_lock)
        {
            _shutDown = true;
            foreach (var timer in _timers)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }

        _available.Release();
    }
}
