using Flamewatch.Profiling.Sampling;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class SampleWeigherTests
{
    [Fact]
    public void Each_sample_weighs_the_time_since_its_threads_previous_sample()
    {
        var weigher = new SampleWeigher(10);
        double covered = 0;
        for (var round = 0; round < 20; round++)
        {
            foreach (var thread in new[] { 1, 2, 3 })
            {
                var (weight, newRound) = weigher.Add(thread, (round * 10.0) + (thread * 0.01));
                covered += newRound;
                Assert.Equal(10, weight, 1e-6);
            }
        }
        Assert.Equal(20, weigher.Rounds);
        Assert.Equal(200, covered, 1e-6);
    }

    [Fact]
    public void Gaps_are_capped_so_time_between_slices_is_not_counted()
    {
        var weigher = new SampleWeigher(1);
        for (var i = 0; i < 10; i++)
        {
            weigher.Add(1, i);
        }
        var (weight, newRound) = weigher.Add(1, 5000);
        Assert.Equal(SampleWeigher.CapFactor, weight, 1e-6);
        Assert.Equal(SampleWeigher.CapFactor, newRound, 1e-6);
    }

    [Fact]
    public void The_nominal_interval_follows_the_measured_rounds()
    {
        var weigher = new SampleWeigher(1.2);
        for (var i = 0; i < 40; i++)
        {
            weigher.Add(1, i * 10.3);
        }
        Assert.Equal(10.3, weigher.NominalIntervalMs, 1e-6);
    }
}
