namespace Flamewatch.Profiling.Sampling;

/// <summary>
/// Times lock waits from the runtime's contention events. The stop event of .NET 8 and later carries the wait's
/// duration; without it a wait lasts from its thread's last start event to the stop. The wait's stack is the start
/// event's (the runtime walks no stack for the stop event). Pending starts are kept per
/// thread, at most <see cref="MaxPendingThreads"/> (a start beyond that is dropped and counted, and so is the stop
/// that then has nothing to pair with). Not thread-safe; the session serializes access.
/// </summary>
internal sealed class ContentionTimer
{
    /// <summary>Threads with a wait in progress the timer remembers.</summary>
    public const int MaxPendingThreads = 10_000;

    private readonly Dictionary<int, (double AtMs, ulong[] Stack)> _started = [];

    /// <summary>Starts dropped at the cap plus stops without a start to pair with.</summary>
    public long Unpaired { get; private set; }

    /// <summary>Waits timed by the runtime's own duration.</summary>
    public long Measured { get; private set; }

    /// <summary>Waits timed by pairing a start with its stop.</summary>
    public long Paired { get; private set; }

    /// <summary>Forgets the waits in progress (their stops will not be seen: the session that saw them ended).</summary>
    public void ForgetPending() => _started.Clear();

    public void Start(int threadId, double atMs, ulong[] stack)
    {
        if (_started.Count >= MaxPendingThreads && !_started.ContainsKey(threadId))
        {
            Unpaired++;
            return;
        }
        _started[threadId] = (atMs, stack);
    }

    /// <summary>
    /// The wait's duration (ns) — the runtime's when it gives one — and the stack it waited at (the start's, else
    /// <paramref name="stopStack"/>), or null when it cannot be timed.
    /// </summary>
    public (double Nanoseconds, ulong[] Stack)? Stop(int threadId, double atMs, double? durationNs, ulong[] stopStack)
    {
        var started = _started.Remove(threadId, out var start);
        var stack = started && start.Stack.Length > 0 ? start.Stack : stopStack;
        if (durationNs is { } measured and > 0)
        {
            Measured++;
            return (measured, stack);
        }
        if (!started || atMs < start.AtMs)
        {
            Unpaired++;
            return null;
        }
        Paired++;
        return ((atMs - start.AtMs) * 1e6, stack);
    }
}
