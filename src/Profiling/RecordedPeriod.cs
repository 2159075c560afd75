using Flamewatch.Profiling.Aggregation;
using Flamewatch.Profiling.Sampling;

namespace Flamewatch.Profiling;

/// <summary>A period as <see cref="PeriodRecorder.Cut"/> handed it over: its samples and what the profile must say about them.</summary>
/// <param name="GcHeapBytes">The GC heap's size after the last GC, when a GC reported it.</param>
/// <param name="LiveScale">The factor the live-heap estimate was scaled by to fit the GC heap (1: not scaled).</param>
/// <param name="UnpairedWaits">Contention events without their pair, since the session started.</param>
/// <param name="ContentionCoverage">The share of the period the contention session observed (waits were upscaled by its inverse).</param>
internal sealed record RecordedPeriod(SampleAggregator Samples, DateTimeOffset End, long? GcHeapBytes, double LiveScale, ExceptionPeriod Exceptions, long UnpairedWaits, double ContentionCoverage)
{
    public DateTimeOffset Start => Samples.Start;

    public double Seconds => Math.Max(0.001, (End - Start).TotalSeconds);
}
