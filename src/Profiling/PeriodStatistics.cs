namespace Flamewatch.Profiling;

/// <summary>Figures of one completed period, for logs, metrics and tests.</summary>
/// <param name="Rounds">Sampler rounds counted; each samples every managed thread once.</param>
/// <param name="EffectiveFrequencyHz">Rounds per second of the period: the average per-thread sampling rate.</param>
/// <param name="DutyCycled">Whether the sampler ran in slices (target sampler faster than the configured frequency).</param>
/// <param name="UnresolvedFrames">Distinct frames no method covered (shown as addresses).</param>
/// <param name="UnresolvedSamples">Thread samples with at least one such frame.</param>
/// <param name="GcHeapBytes">Σ generation sizes after the last GC of the period (GCHeapStats), or null when none ran.</param>
public sealed record PeriodStatistics(
    DateTimeOffset Start,
    DateTimeOffset End,
    long Rounds,
    double EffectiveFrequencyHz,
    bool DutyCycled,
    long ThreadSamples,
    long AllocationSamples,
    int UnresolvedFrames,
    int ProfileBytes,
    long? GcHeapBytes,
    long UnresolvedSamples = 0);
