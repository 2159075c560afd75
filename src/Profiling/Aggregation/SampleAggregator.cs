namespace Flamewatch.Profiling.Aggregation;

/// <summary>
/// Accumulates one process's samples for one period: interns raw stacks and sums weights per
/// (stack, thread, allocated or exception type). Not thread-safe; the session serializes access.
/// </summary>
internal sealed class SampleAggregator
{
    /// <summary>
    /// Distinct (stack, thread) keys lock contention may add in one period; waits at further keys are dropped and
    /// counted (<see cref="DroppedWaits"/>), so thousands of contending threads keep the period's memory bounded.
    /// </summary>
    public const int MaxContentionKeys = 20_000;

    private int _contentionKeys;

    private readonly Dictionary<ulong[], int> _stackIds = new(StackComparer.Instance);
    private readonly List<ulong[]> _stacks = [];
    private readonly Dictionary<SampleKey, SampleValues> _values = [];

    public SampleAggregator(DateTimeOffset start) => Start = start;

    public DateTimeOffset Start { get; }

    /// <summary>Sampler rounds seen in the period (every thread is sampled once per round).</summary>
    public long Rounds { get; private set; }

    /// <summary>Time the sampler covered (ms), each round counted by its capped interval.</summary>
    public double SampledMs { get; private set; }

    public long ThreadSamples { get; private set; }

    public long AllocationSamples { get; private set; }

    /// <summary>Lock waits recorded in the period.</summary>
    public long Waits { get; private set; }

    /// <summary>Lock waits left out because the period already held <see cref="MaxContentionKeys"/> contention keys.</summary>
    public long DroppedWaits { get; private set; }

    public IReadOnlyList<ulong[]> Stacks => _stacks;

    public IReadOnlyDictionary<SampleKey, SampleValues> Values => _values;

    public void AddRound(double coveredMs)
    {
        Rounds++;
        SampledMs += coveredMs;
    }

    /// <param name="cpuShare">The kernel's CPU share of the thread over the sample's interval, when known.</param>
    public void AddThreadSample(ulong[] stack, int threadId, bool managed, double weightMs, double? cpuShare = null)
    {
        var values = Get(new SampleKey(Intern(stack), threadId, null));
        values.WallMs += weightMs;
        values.ThreadSamples++;
        if (cpuShare is { } share)
        {
            values.KernelCpuMs += weightMs * share;
            values.KernelCoveredMs += weightMs;
        }
        if (managed)
        {
            values.ManagedMs += weightMs;
        }
        ThreadSamples++;
    }

    public void AddAllocation(ulong[] stack, int threadId, string typeName, double count, double bytes)
    {
        var values = Get(new SampleKey(Intern(stack), threadId, typeName));
        values.AllocCount += count;
        values.AllocBytes += bytes;
        AllocationSamples++;
    }

    public void AddInuse(ulong[] stack, int threadId, string typeName, double bytes)
    {
        Get(new SampleKey(Intern(stack), threadId, typeName)).InuseBytes += bytes;
    }

    /// <summary>Adds <paramref name="count"/> (an estimate) exceptions of <paramref name="exceptionType"/> thrown at a stack.</summary>
    public void AddExceptions(ulong[] stack, int threadId, string exceptionType, double count)
    {
        Get(new SampleKey(Intern(stack), threadId, null, exceptionType)).ExceptionCount += count;
    }

    /// <summary>Adds one lock wait of <paramref name="nanoseconds"/> by a thread at a stack; false when dropped (the key cap).</summary>
    public bool AddWait(ulong[] stack, int threadId, double nanoseconds)
    {
        var id = _stackIds.TryGetValue(stack, out var known) ? known : -1;
        if (id < 0 || !_values.TryGetValue(new SampleKey(id, threadId, null), out var values) || values.LockCount == 0)
        {
            if (_contentionKeys >= MaxContentionKeys)
            {
                DroppedWaits++;
                return false;
            }
            _contentionKeys++;
            values = Get(new SampleKey(Intern(stack), threadId, null));
        }
        values.LockCount++;
        values.LockNs += nanoseconds;
        Waits++;
        return true;
    }

    /// <summary>Multiplies every wait's count and time by <paramref name="factor"/> (an estimate from a share of the period).</summary>
    public void ScaleWaits(double factor)
    {
        foreach (var values in _values.Values)
        {
            values.LockCount *= factor;
            values.LockNs *= factor;
        }
    }

    private int Intern(ulong[] stack)
    {
        if (!_stackIds.TryGetValue(stack, out var id))
        {
            id = _stacks.Count;
            _stacks.Add(stack);
            _stackIds.Add(stack, id);
        }
        return id;
    }

    private SampleValues Get(SampleKey key)
    {
        if (!_values.TryGetValue(key, out var values))
        {
            values = new SampleValues();
            _values.Add(key, values);
        }
        return values;
    }
}
