namespace Flamewatch.Kubernetes.Queue;

/// <summary>
/// client-go's rate-limited work queue: an item is queued at most once (dedupe), never handed to two workers at
/// once (an item re-added while in flight is queued again on <see cref="Done"/>), and can be re-added with per-item
/// exponential backoff.
/// </summary>
public interface IWorkQueue<T>
    where T : notnull
{
    /// <summary>Items waiting (not counting in-flight or delayed items).</summary>
    int Count { get; }

    bool IsShuttingDown { get; }

    void Add(T item);

    /// <summary>Adds after <paramref name="delay"/> (an earlier pending add of the same item wins).</summary>
    void AddAfter(T item, TimeSpan delay);

    /// <summary>Adds after the item's backoff (base × 2^failures, capped) and counts a failure.</summary>
    void AddRateLimited(T item);

    /// <summary>Clears the item's failure count (call after a successful reconcile).</summary>
    void Forget(T item);

    int NumRequeues(T item);

    /// <summary>Waits for the next item; returns false once shut down and drained.</summary>
    Task<(bool Ok, T Item)> GetAsync(CancellationToken cancellationToken);

    /// <summary>Marks an item from <see cref="GetAsync"/> as processed.</summary>
    void Done(T item);

    /// <summary>Stops accepting items; getters drain what is queued, then return false.</summary>
    void ShutDown();

    /// <summary><see cref="ShutDown"/>, then waits until no item is in flight.</summary>
    Task ShutDownAsync(CancellationToken cancellationToken);
}
