namespace Flamewatch.Profiling.Aggregation;

/// <summary>Accumulated values of one (stack, thread, allocation or exception type) key during a period.</summary>
internal sealed class SampleValues
{
    /// <summary>Sum of sample weights (ms) of all samples: wall time before scaling.</summary>
    public double WallMs;
    /// <summary>Sum of sample weights (ms) of samples taken while the thread ran managed code.</summary>
    public double ManagedMs;
    /// <summary>Sum of sample weight × the kernel's CPU share of the thread over the sample's interval (ms), for samples that had one.</summary>
    public double KernelCpuMs;
    /// <summary>Sum of the weights (ms) of samples that had a kernel CPU share.</summary>
    public double KernelCoveredMs;
    /// <summary>Thread samples aggregated here.</summary>
    public long ThreadSamples;
    public double AllocCount;
    public double AllocBytes;
    public double InuseBytes;
    /// <summary>Exceptions thrown (an estimate: sampled throws upscaled by their type's sampling ratio).</summary>
    public double ExceptionCount;
    /// <summary>Contended lock acquisitions (waits).</summary>
    public double LockCount;
    /// <summary>Time spent waiting for contended locks (ns).</summary>
    public double LockNs;
}
