using Flamewatch.Profiling.Aggregation;
using Flamewatch.Profiling.Heap;
using Flamewatch.Profiling.Os;
using Flamewatch.Profiling.Sampling;
using Flamewatch.Profiling.Symbols;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.EventPipe;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Flamewatch.Profiling;

/// <summary>
/// A session's event dispatch: subscribes to the runtime's streams and adds each thread sample, allocation, lock wait
/// and throw to the period being recorded, under one lock (events arrive on the streams' threads). JIT and loader events
/// go to the method table. <see cref="Cut"/> hands the finished period over and starts the next.
/// </summary>
internal sealed class PeriodRecorder(SessionConfiguration configuration, MethodTable methods, ThreadCpuSampler? kernelCpu)
{
    private readonly ProfilingOptions _options = configuration.Options;
    private readonly Lock _gate = new();
    private readonly LiveHeapTracker _heap = new();
    private readonly ExceptionSampler _exceptions = new();
    private readonly ContentionTimer _contention = new();
    private SampleAggregator _current = new(DateTimeOffset.MinValue);
    private long? _gcHeapBytes;

    /// <summary>Weighs the samples of the main session (the continuous sampler's).</summary>
    public SampleWeigher MainWeigher { get; } = new(configuration.IntervalMs);

    public DateTimeOffset PeriodStart
    {
        get
        {
            lock (_gate)
            {
                return _current.Start;
            }
        }
    }

    /// <summary>Starts the first period.</summary>
    public void Begin(DateTimeOffset start)
    {
        lock (_gate)
        {
            _current = new SampleAggregator(start);
        }
    }

    /// <summary>Ends the current period at <paramref name="end"/> and starts the next one there.</summary>
    /// <param name="exceptionObservation">For a period of that length: the share the exceptions session observed, and
    /// the runtime's own throws per second (null when unknown).</param>
    /// <param name="contentionCoverage">For a period of that length: the share the contention session observed.</param>
    public RecordedPeriod Cut(DateTimeOffset end, Func<TimeSpan, (double Coverage, double? RuntimeRate)> exceptionObservation, Func<TimeSpan, double> contentionCoverage)
    {
        lock (_gate)
        {
            var period = _current;
            _current = new SampleAggregator(end);
            var length = end - period.Start;
            var (coverage, runtimeRate) = exceptionObservation(length);
            var exceptions = _exceptions.Drain(period, coverage, length * coverage, runtimeRate * length.TotalSeconds);
            var waitsCoverage = contentionCoverage(length);
            if (waitsCoverage is > 0 and < 1)
            {
                period.ScaleWaits(1 / waitsCoverage);
            }
            var liveScale = 1.0;
            if (_options.HeapLiveSize)
            {
                liveScale = LiveScale(_heap.TotalBytes(), _gcHeapBytes);
                _heap.AddLiveTo(period, liveScale);
            }
            return new RecordedPeriod(period, end, _gcHeapBytes, liveScale, exceptions, _contention.Unpaired, waitsCoverage);
        }
    }

    /// <summary>
    /// Live bytes can never exceed the GC heap measured after the last GC; a sampled estimate above it (sampling noise
    /// on a small heap) is scaled down to it, and the profile says so.
    /// </summary>
    internal static double LiveScale(double estimatedLiveBytes, long? gcHeapBytes) =>
        gcHeapBytes is long heap && heap > 0 && estimatedLiveBytes > heap ? heap / estimatedLiveBytes : 1;

    public void SubscribeMain(TraceStream stream)
    {
        var clr = stream.Source.Clr;
        clr.MethodLoadVerbose += e => methods.Add(e.MethodStartAddress, (uint)e.MethodSize, e.MethodNamespace, e.MethodName);
        clr.MethodUnloadVerbose += e => methods.Unload(e.MethodStartAddress);
        clr.GCHeapStats += e =>
        {
            lock (_gate)
            {
                _gcHeapBytes = e.GenerationSize0 + e.GenerationSize1 + e.GenerationSize2 + e.GenerationSize3 + e.GenerationSize4;
            }
        };
        if (_options.Allocations)
        {
            SubscribeAllocations(stream, clr);
        }
        if (configuration.Continuous)
        {
            var sampler = new SampleProfilerTraceEventParser(stream.Source);
            sampler.ThreadSample += e => OnThreadSample(stream, MainWeigher, e);
        }
    }

    /// <summary>Throws of the exceptions session; <paramref name="onThrow"/> counts them for its rate.</summary>
    public void SubscribeExceptions(TraceStream stream, Action onThrow) =>
        stream.Source.Clr.ExceptionStart += e =>
        {
            // The type only: the message can hold personal data.
            onThrow();
            var stack = stream.StackOf(e);
            var type = e.ExceptionType;
            lock (_gate)
            {
                _exceptions.Add(string.IsNullOrEmpty(type) ? "(unknown)" : type, stack, e.ThreadID);
            }
        };

    public void OnThreadSample(TraceStream stream, SampleWeigher weigher, ClrThreadSampleTraceData e)
    {
        var (weight, newRoundMs) = weigher.Add(e.ThreadID, e.TimeStampRelativeMSec);
        var stack = stream.StackOf(e);
        // EventPipe's raw timestamps are the monotonic clock the kernel readings use ("discouraged" by TraceEvent in
        // favour of session-relative times, which cannot be matched with readings taken outside the trace).
#pragma warning disable CS0618
        var at = e.TimeStampQPC;
#pragma warning restore CS0618
        // A sample in managed code was running; the kernel's readings tell about the others (blocked, native, or a
        // busy loop that the runtime marked external).
        var managed = e.Type == ClrThreadSampleType.Managed;
        var share = kernelCpu?.CpuShare(e.ThreadID, at - (long)(weight * System.Diagnostics.Stopwatch.Frequency / 1000), at) is { } kernel
            ? managed ? 1 : kernel
            : (double?)null;
        lock (_gate)
        {
            if (newRoundMs > 0)
            {
                _current.AddRound(newRoundMs);
            }
            _current.AddThreadSample(stack, e.ThreadID, managed, weight, share);
        }
    }

    private void SubscribeAllocations(TraceStream stream, ClrTraceEventParser clr)
    {
        clr.AllocationSampling += e =>
        {
            var stack = stream.StackOf(e);
            AddAllocation(stack, e.ThreadID, e.TypeName, AllocationEstimator.Count(e.ObjectSize), AllocationEstimator.Bytes(e.ObjectSize), e.Address, e.AllocationKind);
        };
        clr.GCAllocationTick += e =>
        {
            if (!configuration.UseAllocationTicks)
            {
                return;
            }
            // The object that crossed the runtime's ~100 KB threshold stands for every byte allocated since the
            // last tick of that allocation context: byte-systematic sampling, unbiased at a random phase.
            var stack = stream.StackOf(e);
            var size = e.ObjectSize > 0 ? e.ObjectSize : 0;
            var bytes = (double)e.AllocationAmount64;
            AddAllocation(stack, e.ThreadID, e.TypeName, size > 0 ? bytes / size : 1, bytes, e.Address, e.AllocationKind);
        };
        if (_options.HeapLiveSize)
        {
            _heap.Subscribe(clr, _gate, () => stream.Source.EventsLost);
        }
    }

    private void AddAllocation(ulong[] stack, int threadId, string typeName, double count, double bytes, ulong address, GCAllocationKind kind)
    {
        lock (_gate)
        {
            _current.AddAllocation(stack, threadId, typeName, count, bytes);
            if (_options.HeapLiveSize)
            {
                _heap.OnAllocation(address, bytes, stack, threadId, typeName, kind);
            }
        }
    }

    /// <summary>Lock waits of a contention session (a slice's: starts pending from an earlier slice are forgotten); <paramref name="onWait"/> counts them for the rate.</summary>
    public void SubscribeContention(TraceStream stream, Action onWait)
    {
        lock (_gate)
        {
            _contention.ForgetPending();
        }
        var clr = stream.Source.Clr;
        clr.ContentionStart += e =>
        {
            var stack = stream.StackOf(e);
            lock (_gate)
            {
                _contention.Start(e.ThreadID, e.TimeStampRelativeMSec, stack);
            }
        };
        clr.ContentionStop += e =>
        {
            var stack = stream.StackOf(e);
            // ContentionStop_V1 (.NET 8 and later) carries the wait's duration; earlier versions are paired with their start.
            double? duration = e.Version >= 1 ? e.DurationNs : null;
            onWait();
            lock (_gate)
            {
                if (_contention.Stop(e.ThreadID, e.TimeStampRelativeMSec, duration, stack) is { } wait)
                {
                    _current.AddWait(wait.Stack, e.ThreadID, wait.Nanoseconds);
                }
            }
        };
    }
}
