using Flamewatch.Profiling.Sampling;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class AllocationEstimatorTests
{
    [Theory]
    [InlineData(24, 4266.7)]        // tiny objects: ≈ 102400 / size objects per sample
    [InlineData(1024, 100.5)]
    [InlineData(102400, 1.582)]     // 1 / (1 − e⁻¹)
    [InlineData(10_000_000, 1.0)]   // huge objects are always sampled
    public void Count_weight_is_the_inverse_sampling_probability(long size, double expected) =>
        Assert.Equal(expected, AllocationEstimator.Count(size), expected * 0.001);

    [Fact]
    public void Bytes_weight_is_size_times_count_weight() =>
        Assert.Equal(4000 * AllocationEstimator.Count(4000), AllocationEstimator.Bytes(4000), 1e-6);

    [Fact]
    public void Estimates_are_unbiased_for_simulated_sampling()
    {
        // Each object of size s is sampled with probability 1 − q^s, as the runtime does.
        var random = new Random(7);
        long[] sizes = [32, 4024, 80_000, 400_000];
        double trueBytes = 0, trueCount = 0, estimatedBytes = 0, estimatedCount = 0;
        for (var i = 0; i < 400_000; i++)
        {
            var size = sizes[i % sizes.Length];
            trueBytes += size;
            trueCount++;
            var probability = 1 - Math.Pow(1 - (1 / AllocationEstimator.MeanBytesBetweenSamples), size);
            if (random.NextDouble() < probability)
            {
                estimatedBytes += AllocationEstimator.Bytes(size);
                estimatedCount += AllocationEstimator.Count(size);
            }
        }
        Assert.InRange(estimatedBytes / trueBytes, 0.97, 1.03);
        Assert.InRange(estimatedCount / trueCount, 0.95, 1.05);
    }
}
