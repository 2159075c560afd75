using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Heap;
using Flamewatch.Profiling.Sampling;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Parsers;

namespace Flamewatch.Profiling;

/// <summary>
/// How a session samples its target and what it asks the runtime for, decided once the target's runtime and
/// environment are known: continuous sampling when the target's sampler already runs at about the configured
/// frequency (else duty-cycled slices), <c>AllocationSampled</c> or <c>GCAllocationTick</c>, and the providers of the
/// long-lived main EventPipe session.
/// </summary>
/// <param name="IntervalMs">The target's sampler interval, from its environment (<c>DOTNET_EventPipeThreadSamplingRate</c>).</param>
/// <param name="Continuous">The main session carries the sample profiler all the time (no duty-cycling).</param>
/// <param name="UseAllocationTicks">Allocations come from <c>GCAllocationTick</c> (forced, or a runtime older than .NET 10 or unknown).</param>
internal sealed record SessionConfiguration(ProfilingOptions Options, double IntervalMs, bool Continuous, bool UseAllocationTicks)
{
    private const long RuntimeKeywords = (long)(ClrTraceEventParser.Keywords.Jit | ClrTraceEventParser.Keywords.Loader | ClrTraceEventParser.Keywords.GC);
    private const long AllocationSamplingKeyword = 0x80000000000;

    public static SessionConfiguration For(ProfilingOptions options, AttachResult attach)
    {
        var intervalMs = SamplingRateVariable.ExpectedIntervalMs(SamplingRateVariable.ValueIn(attach.Environment));
        // AllocationSampled exists from .NET 10 only; an unknown runtime gets the events every supported one has.
        return new SessionConfiguration(options, intervalMs,
            options.Sampling && SamplingRateVariable.IsContinuous(intervalMs, options.FrequencyHz),
            options.UseAllocationTicks || attach.Runtime is not { HasAllocationSampling: true });
    }

    public string Mode => Continuous ? "continuous" : "duty-cycled";

    /// <summary>The main session: the runtime provider (JIT/loader for symbols, allocations, GC) and, when continuous, the sampler.</summary>
    public EventPipeSessionConfiguration MainSession()
    {
        var keywords = RuntimeKeywords;
        // MethodLoadVerbose (the names of code JIT'd while attached, dynamic methods included) is a Verbose event; at
        // Informational only rundown named code, and code JIT'd and freed within a period stayed an address.
        var level = System.Diagnostics.Tracing.EventLevel.Verbose;
        if (Options.Allocations)
        {
            if (!UseAllocationTicks)
            {
                // Also turns GCAllocationTick off for the whole process (on .NET 8 and 9 the Verbose GC level brings it).
                keywords |= AllocationSamplingKeyword;
            }
            keywords |= Options.HeapLiveSize ? LiveHeapTracker.Keywords : 0;
        }
        // Exceptions and lock contention have sessions of their own (EventSlicer), so that they can be sliced.
        var providers = new List<EventPipeProvider> { new(ClrTraceEventParser.ProviderName, level, keywords) };
        if (Continuous)
        {
            providers.Add(DutyCycledSampler.Provider());
        }
        return new EventPipeSessionConfiguration(providers, circularBufferSizeMB: 64, requestRundown: false, requestStackwalk: true);
    }
}
