using Flamewatch.Profiling.Aggregation;

namespace Flamewatch.Profiling.Sampling;

/// <summary>
/// Counts one period's thrown exceptions per (exception type, throw stack, thread). The first
/// <see cref="MaxExactKeys"/> distinct keys of a period are counted exactly (a counter increment per throw, however
/// many per second). Throws at further keys — a storm spread over very many stacks or threads — are sampled: counted
/// per exception type, with their stacks kept by reservoir sampling, at most <see cref="StacksPerType"/> per type,
/// each an equally likely draw among the type's sampled throws. At the period's end each kept stack stands for
/// sampled ÷ kept throws of its type (Horvitz–Thompson: unbiased per stack, exact per type), and the profile says the
/// values were upscaled. Memory is bounded by <see cref="MaxExactKeys"/> + <see cref="MaxTypes"/> ×
/// <see cref="StacksPerType"/> entries; throws of types beyond <see cref="MaxTypes"/> among the sampled ones are dropped
/// and counted. Not thread-safe; the session serializes access.
/// </summary>
internal sealed class ExceptionSampler
{
    /// <summary>Throw stacks kept per exception type and period.</summary>
    public const int StacksPerType = 500;

    /// <summary>Distinct exception types counted per period.</summary>
    public const int MaxTypes = 200;

    /// <summary>Distinct (type, stack, thread) keys counted exactly per period.</summary>
    public const int MaxExactKeys = 5_000;

    private readonly Dictionary<ExactKey, long> _exact = [];
    private readonly Dictionary<string, Reservoir> _types = new(StringComparer.Ordinal);
    private readonly Random _random;

    public ExceptionSampler(Random? random = null) => _random = random ?? Random.Shared;

    /// <summary>Throws seen in the current period (all types, dropped ones included).</summary>
    public long Seen { get; private set; }

    /// <summary>Throws of types beyond <see cref="MaxTypes"/> in the current period.</summary>
    public long Dropped { get; private set; }

    public void Add(string exceptionType, ulong[] stack, int threadId)
    {
        Seen++;
        var key = new ExactKey(exceptionType, stack, threadId);
        ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_exact, key);
        if (!System.Runtime.CompilerServices.Unsafe.IsNullRef(ref count))
        {
            count++;
            return;
        }
        if (_exact.Count < MaxExactKeys)
        {
            _exact.Add(key, 1);
            return;
        }
        if (!_types.TryGetValue(exceptionType, out var reservoir))
        {
            if (_types.Count >= MaxTypes)
            {
                Dropped++;
                return;
            }
            reservoir = new Reservoir();
            _types.Add(exceptionType, reservoir);
        }
        reservoir.Seen++;
        if (reservoir.Kept.Count < StacksPerType)
        {
            reservoir.Kept.Add((stack, threadId));
            return;
        }
        var slot = _random.NextInt64(reservoir.Seen);
        if (slot < StacksPerType)
        {
            reservoir.Kept[(int)slot] = (stack, threadId);
        }
    }

    /// <summary>Adds the period's estimates to <paramref name="period"/> and starts a new period.</summary>
    /// <param name="period">The period's aggregate.</param>
    /// <param name="coverage">The share of the period during which throws were observed (counts are divided by it).</param>
    /// <param name="observed">How long throws were observed in the period (coverage × the period's length).</param>
    /// <param name="runtimeCount">The throws the runtime itself counted in the period, if known.</param>
    /// <remarks>
    /// Observing a throw costs the thrower a stack walk, so a thread that does little but throw runs slower while
    /// observed than while not, and dividing its observed throws by the coverage undercounts it; a thread throwing at
    /// its own pace (a few hundred a second between other work) is not slowed, and its estimate stays unbiased. When
    /// the runtime's own count exceeds the estimate, the difference is attributed to the threads that threw faster
    /// than <see cref="FastThreadRate"/> while observed, in proportion to their estimates: the period's total then
    /// equals the runtime's count and the unhurried sites keep their unbiased values.
    /// </remarks>
    public ExceptionPeriod Drain(SampleAggregator period, double coverage = 1, TimeSpan observed = default, double? runtimeCount = null)
    {
        var scale = coverage is > 0 and < 1 ? 1 / coverage : 1;
        var estimates = new List<(string Type, ulong[] Stack, int ThreadId, double Value)>(_exact.Count);
        var upscaled = false;
        foreach (var (key, count) in _exact)
        {
            estimates.Add((key.Type, key.Stack, key.ThreadId, count * scale));
        }
        long kept = _exact.Count;
        var types = _exact.Keys.Select(k => k.Type).Concat(_types.Keys).Distinct(StringComparer.Ordinal).Count();
        foreach (var (type, reservoir) in _types)
        {
            var weight = (double)reservoir.Seen / reservoir.Kept.Count * scale;
            upscaled |= reservoir.Seen > reservoir.Kept.Count;
            foreach (var (stack, threadId) in reservoir.Kept)
            {
                estimates.Add((type, stack, threadId, weight));
            }
            kept += reservoir.Kept.Count;
        }
        var attributed = scale > 1 && runtimeCount is { } counted && observed > TimeSpan.Zero
            ? Attribute(estimates, counted - estimates.Sum(e => e.Value), observed, scale)
            : 0;
        foreach (var (type, stack, threadId, value) in estimates)
        {
            period.AddExceptions(stack, threadId, type, value);
        }
        var result = new ExceptionPeriod(Seen, kept, Dropped, types, upscaled, scale > 1 ? coverage : 1, attributed);
        _exact.Clear();
        _types.Clear();
        Seen = 0;
        Dropped = 0;
        return result;
    }

    /// <summary>Throws per second while observed above which a thread counts as throwing as fast as it runs.</summary>
    public const double FastThreadRate = 1_000;

    /// <summary>Spreads <paramref name="deficit"/> over the estimates of fast threads; returns how much was spread.</summary>
    private static long Attribute(List<(string Type, ulong[] Stack, int ThreadId, double Value)> estimates, double deficit, TimeSpan observed, double scale)
    {
        if (deficit < 1)
        {
            return 0;
        }
        // A thread's observed throws = its estimate ÷ scale.
        var fast = estimates.GroupBy(e => e.ThreadId)
            .Where(g => g.Sum(e => e.Value) / scale / observed.TotalSeconds > FastThreadRate)
            .Select(g => g.Key)
            .ToHashSet();
        var fastTotal = estimates.Where(e => fast.Contains(e.ThreadId)).Sum(e => e.Value);
        if (fastTotal <= 0)
        {
            return 0;
        }
        var factor = 1 + (deficit / fastTotal);
        for (var i = 0; i < estimates.Count; i++)
        {
            if (fast.Contains(estimates[i].ThreadId))
            {
                estimates[i] = estimates[i] with { Value = estimates[i].Value * factor };
            }
        }
        return (long)Math.Round(deficit);
    }

    /// <summary>Stacks compare by reference: the trace stream hands out one array per interned stack.</summary>
    private readonly record struct ExactKey(string Type, ulong[] Stack, int ThreadId);

    private sealed class Reservoir
    {
        public long Seen;
        public readonly List<(ulong[] Stack, int ThreadId)> Kept = [];
    }
}
