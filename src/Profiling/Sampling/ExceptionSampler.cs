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
    /// <param name="coverage">The share of the period during which throws were observed (counts are divided by it).</param>
    public ExceptionPeriod Drain(SampleAggregator period, double coverage = 1)
    {
        var scale = coverage is > 0 and < 1 ? 1 / coverage : 1;
        long kept = _exact.Count;
        var upscaled = false;
        foreach (var (key, count) in _exact)
        {
            period.AddExceptions(key.Stack, key.ThreadId, key.Type, count * scale);
        }
        var types = _exact.Keys.Select(k => k.Type).Concat(_types.Keys).Distinct(StringComparer.Ordinal).Count();
        foreach (var (type, reservoir) in _types)
        {
            var weight = (double)reservoir.Seen / reservoir.Kept.Count * scale;
            upscaled |= reservoir.Seen > reservoir.Kept.Count;
            foreach (var (stack, threadId) in reservoir.Kept)
            {
                period.AddExceptions(stack, threadId, type, weight);
            }
            kept += reservoir.Kept.Count;
        }
        var result = new ExceptionPeriod(Seen, kept, Dropped, types, upscaled, scale > 1 ? coverage : 1);
        _exact.Clear();
        _types.Clear();
        Seen = 0;
        Dropped = 0;
        return result;
    }

    /// <summary>Stacks compare by reference: the trace stream hands out one array per interned stack.</summary>
    private readonly record struct ExactKey(string Type, ulong[] Stack, int ThreadId);

    private sealed class Reservoir
    {
        public long Seen;
        public readonly List<(ulong[] Stack, int ThreadId)> Kept = [];
    }
}
