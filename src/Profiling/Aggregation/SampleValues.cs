namespace Flamewatch.Profiling.Aggregation;

/// <summary>Accumulated values of one (stack, thread, allocation type) key during a period.</summary>
internal sealed class SampleValues
{
    /// <summary>Sum of sample weights (ms) of all samples: wall time before scaling.</summary>
    public double WallMs;
    /// <summary>Sum of sample weights (ms) of samples taken while the thread ran managed code.</summary>
    public double ManagedMs;
    /// <summary>Thread samples aggregated here.</summary>
    public long ThreadSamples;
    public double AllocCount;
    public double AllocBytes;
    public double InuseBytes;
}
