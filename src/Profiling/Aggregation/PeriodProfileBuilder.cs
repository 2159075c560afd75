using System.Globalization;
using Flamewatch.Profiling.Pprof;

namespace Flamewatch.Profiling.Aggregation;

/// <summary>
/// Turns a period's <see cref="SampleAggregator"/> into a pprof <see cref="Profile"/>:
/// <list type="bullet">
/// <item>wall time = every sample's weight, scaled by period / sampled time (1 when sampling continuously, the inverse
/// duty fraction when duty-cycling);</item>
/// <item>CPU time = a thread's exact CPU time in the period (from <c>/proc</c>), apportioned over its samples by the
/// kernel's CPU share of the thread around each sample (<see cref="Os.ThreadCpuSampler"/>) where those readings cover
/// the thread's samples; otherwise over its managed samples, up to their wall time, and the rest over its other
/// samples (see <see cref="CpuShareMs"/>); without <c>/proc</c>, the weights of the managed samples. CPU burnt in
/// native code — P/Invoke, the runtime, the kernel on its behalf — is charged to the managed frames that called into
/// it, because EventPipe stacks hold managed frames only;</item>
/// <item>allocation counts/bytes and live bytes as accumulated;</item>
/// <item>exception counts (labelled with the exception type), lock wait counts and wait times as accumulated; their
/// sample types are carried only when collected.</item>
/// </list>
/// Dimensions not in <paramref name="types"/> are zero; samples left with no value are omitted.
/// Frames are named by <paramref name="resolve"/> (instruction pointer, is-leaf) → "Namespace.Type.Method".
/// </summary>
internal static class PeriodProfileBuilder
{
    public static Profile Build(
        SampleAggregator period,
        DateTimeOffset end,
        IReadOnlyDictionary<int, ThreadCpu> threads,
        Func<ulong, bool, string> resolve,
        long periodNanoseconds,
        IEnumerable<string> comments,
        ProfileTypes types = ProfileTypes.Default)
    {
        var duration = end - period.Start;
        var scale = period.SampledMs > 0 ? duration.TotalMilliseconds / period.SampledMs : 0;

        var managedByThread = new Dictionary<int, double>();
        var wallByThread = new Dictionary<int, double>();
        var kernelByThread = new Dictionary<int, (double CpuMs, double CoveredMs)>();
        foreach (var (key, values) in period.Values)
        {
            managedByThread[key.ThreadId] = managedByThread.GetValueOrDefault(key.ThreadId) + values.ManagedMs;
            wallByThread[key.ThreadId] = wallByThread.GetValueOrDefault(key.ThreadId) + values.WallMs;
            var kernel = kernelByThread.GetValueOrDefault(key.ThreadId);
            kernelByThread[key.ThreadId] = (kernel.CpuMs + values.KernelCpuMs, kernel.CoveredMs + values.KernelCoveredMs);
        }

        var carried = SampleTypes.Carried(types);
        var builder = new ProfileBuilder([.. carried.Select(i => SampleTypes.All[i])]);
        var names = new Dictionary<int, string[]>();
        Span<long> sampleValues = stackalloc long[SampleTypes.All.Count];
        var carriedValues = new long[carried.Length];
        var exceptionCarry = 0.0;
        var waitCarry = 0.0;
        foreach (var (key, values) in period.Values)
        {
            var cpuMs = values.ManagedMs * scale;
            if (threads.TryGetValue(key.ThreadId, out var thread) && thread.CpuNanoseconds is { } cpuNs)
            {
                var kernel = kernelByThread[key.ThreadId];
                cpuMs = kernel.CpuMs > 0 && kernel.CoveredMs >= KernelCoverage * wallByThread[key.ThreadId]
                    ? cpuNs / 1e6 * (values.KernelCpuMs / kernel.CpuMs)
                    : CpuShareMs(cpuNs / 1e6, values, managedByThread[key.ThreadId] * scale, wallByThread[key.ThreadId] * scale, scale);
            }
            sampleValues[SampleTypes.CpuTime] = (long)Math.Round(cpuMs * 1e6);
            sampleValues[SampleTypes.WallTime] = (long)Math.Round(values.WallMs * scale * 1e6);
            sampleValues[SampleTypes.AllocSamples] = (long)Math.Round(values.AllocCount);
            sampleValues[SampleTypes.AllocSize] = (long)Math.Round(values.AllocBytes);
            // Rounded down: the sum stays within the GC heap it was bounded by.
            sampleValues[SampleTypes.InuseSpace] = (long)Math.Floor(values.InuseBytes);
            // Upscaled counts are fractional: the rounding error is carried to the next sample, so the total stays exact.
            sampleValues[SampleTypes.Exceptions] = RoundCarrying(values.ExceptionCount, ref exceptionCarry);
            sampleValues[SampleTypes.LockCount] = RoundCarrying(values.LockCount, ref waitCarry);
            sampleValues[SampleTypes.LockTime] = (long)Math.Round(values.LockNs);
            Mask(sampleValues, types);
            for (var i = 0; i < carried.Length; i++)
            {
                carriedValues[i] = sampleValues[carried[i]];
            }
            if (!HasValue(carriedValues))
            {
                continue;
            }

            if (!names.TryGetValue(key.StackId, out var frames))
            {
                var stack = period.Stacks[key.StackId];
                frames = new string[stack.Length];
                for (var i = 0; i < stack.Length; i++)
                {
                    frames[i] = resolve(stack[i], i == 0);
                }
                names.Add(key.StackId, frames);
            }
            var labels = new List<(string, string)>(4)
            {
                (SampleTypes.ThreadIdLabel, key.ThreadId.ToString(CultureInfo.InvariantCulture)),
            };
            if (threads.TryGetValue(key.ThreadId, out var named) && named.Name.Length > 0)
            {
                labels.Add((SampleTypes.ThreadNameLabel, named.Name));
            }
            if (key.TypeName is not null)
            {
                labels.Add((SampleTypes.AllocationClassLabel, key.TypeName));
            }
            if (key.ExceptionType is not null)
            {
                labels.Add((SampleTypes.ExceptionTypeLabel, key.ExceptionType));
            }
            builder.AddSample(frames, carriedValues, labels);
        }
        foreach (var comment in comments)
        {
            builder.AddComment(comment);
        }
        return builder.Build(period.Start, duration, SampleTypes.All[SampleTypes.WallTime], periodNanoseconds);
    }

    /// <summary>The share of a thread's sampled time the kernel's readings must cover for them to apportion its CPU.</summary>
    private const double KernelCoverage = 0.9;

    /// <summary>
    /// The part of a thread's measured CPU time (<paramref name="threadCpuMs"/>) that one of its stacks gets. Samples
    /// the runtime marked as running managed code are on CPU: they get CPU first, up to their own wall time. A thread
    /// that burnt more CPU than its managed samples cover (the runtime marks a sample "external" whenever the
    /// thread reached its suspension point in preemptive mode, which on some runtimes is most samples of a busy
    /// loop) spent the rest on the stacks of its other samples, in proportion to their wall time.
    /// </summary>
    internal static double CpuShareMs(double threadCpuMs, SampleValues values, double threadManagedMs, double threadWallMs, double scale)
    {
        var managedMs = values.ManagedMs * scale;
        var otherMs = (values.WallMs - values.ManagedMs) * scale;
        var threadOtherMs = threadWallMs - threadManagedMs;
        if (threadManagedMs <= 0)
        {
            return threadWallMs > 0 ? threadCpuMs * (values.WallMs * scale / threadWallMs) : 0;
        }
        if (threadCpuMs <= threadManagedMs || threadOtherMs <= 0)
        {
            return threadCpuMs * (managedMs / threadManagedMs);
        }
        return managedMs + ((threadCpuMs - threadManagedMs) * (otherMs / threadOtherMs));
    }

    /// <summary>Rounds <paramref name="value"/> plus the rounding error carried so far, and carries this rounding's error on.</summary>
    private static long RoundCarrying(double value, ref double carry)
    {
        carry += value;
        var rounded = (long)Math.Round(carry);
        carry -= rounded;
        return rounded;
    }

    private static void Mask(Span<long> values, ProfileTypes types)
    {
        if ((types & ProfileTypes.Cpu) == 0)
        {
            values[SampleTypes.CpuTime] = 0;
        }
        if ((types & ProfileTypes.Wall) == 0)
        {
            values[SampleTypes.WallTime] = 0;
        }
        if ((types & ProfileTypes.Allocations) == 0)
        {
            values[SampleTypes.AllocSamples] = 0;
        }
        if ((types & ProfileTypes.AllocatedMemory) == 0)
        {
            values[SampleTypes.AllocSize] = 0;
        }
        if ((types & ProfileTypes.HeapLiveSize) == 0)
        {
            values[SampleTypes.InuseSpace] = 0;
        }
        if ((types & ProfileTypes.Exceptions) == 0)
        {
            values[SampleTypes.Exceptions] = 0;
        }
        if ((types & ProfileTypes.LockContention) == 0)
        {
            values[SampleTypes.LockCount] = 0;
            values[SampleTypes.LockTime] = 0;
        }
    }

    private static bool HasValue(ReadOnlySpan<long> values)
    {
        foreach (var value in values)
        {
            if (value != 0)
            {
                return true;
            }
        }
        return false;
    }
}
