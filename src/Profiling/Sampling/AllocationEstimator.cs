namespace Flamewatch.Profiling.Sampling;

/// <summary>
/// Unbiased estimators for .NET 10's randomized allocation sampling (<c>AllocationSampled</c>): every allocated byte
/// is sampled with probability p = 1/102400, so an object of size s is sampled with probability 1 − q^s, q = 1 − p.
/// Summing 1/(1 − q^s) over sampled objects estimates the object count, s/(1 − q^s) the bytes.
/// </summary>
internal static class AllocationEstimator
{
    /// <summary>Mean bytes between samples (the runtime's <c>SamplingDistributionMean</c>).</summary>
    public const double MeanBytesBetweenSamples = 100 * 1024;

    private static readonly double LogQ = Math.Log(1 - (1 / MeanBytesBetweenSamples));

    /// <summary>How many objects one sampled object of <paramref name="size"/> bytes stands for.</summary>
    public static double Count(long size) => size <= 0 ? 1 : 1 / (1 - Math.Exp(size * LogQ));

    /// <summary>How many bytes one sampled object of <paramref name="size"/> bytes stands for.</summary>
    public static double Bytes(long size) => size <= 0 ? 0 : size * Count(size);
}
