using Flamewatch.Profiling.Aggregation;
using Flamewatch.Profiling.Sampling;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class ExceptionSamplerTests
{
    private static readonly ulong[] Often = [0x10, 0x100];
    private static readonly ulong[] Rare = [0x20, 0x100];

    [Fact]
    public void A_storm_at_few_stacks_is_counted_exactly_per_stack()
    {
        var sampler = new ExceptionSampler(new Random(1));
        for (var i = 0; i < 1_000_000; i++)
        {
            sampler.Add("System.InvalidOperationException", i % 1000 == 0 ? Rare : Often, i % 4);
        }
        var period = new SampleAggregator(DateTimeOffset.UnixEpoch);
        var result = sampler.Drain(period);
        Assert.False(result.Upscaled);
        Assert.Equal(1000, Count(period, Rare));
        Assert.Equal(999_000, Count(period, Often));
    }

    [Fact]
    public void Sliced_periods_give_the_runtimes_surplus_to_the_threads_that_throw_as_fast_as_they_run()
    {
        // Observed 1 s of a 10 s period (coverage 0.1): a storm thread threw 20,000 while observed, but ran three
        // times as fast unobserved (600,000 in the period by the runtime's count, with the other thread's 3,000);
        // a thread throwing 300/s at its own pace threw 300 while observed.
        var sampler = new ExceptionSampler(new Random(1));
        for (var i = 0; i < 20_000; i++)
        {
            sampler.Add("System.ArgumentException", Often, 1);
        }
        for (var i = 0; i < 300; i++)
        {
            sampler.Add("System.InvalidOperationException", Rare, 2);
        }
        var period = new SampleAggregator(DateTimeOffset.UnixEpoch);
        var result = sampler.Drain(period, coverage: 0.1, observed: TimeSpan.FromSeconds(1), runtimeCount: 603_000);

        Assert.Equal(3_000, Count(period, Rare), 6);
        Assert.Equal(600_000, Count(period, Often), 6);
        Assert.Equal(603_000 - 203_000, result.Attributed);
        // Without the runtime's count: the coverage estimate alone.
        for (var i = 0; i < 20_000; i++)
        {
            sampler.Add("System.ArgumentException", Often, 1);
        }
        var alone = new SampleAggregator(DateTimeOffset.UnixEpoch);
        Assert.Equal(0, sampler.Drain(alone, coverage: 0.1, observed: TimeSpan.FromSeconds(1)).Attributed);
        Assert.Equal(200_000, Count(alone, Often), 6);
    }

    [Fact]
    public void Below_the_cap_every_throw_is_kept_and_counted_exactly()
    {
        var sampler = new ExceptionSampler(new Random(1));
        for (var i = 0; i < 300; i++)
        {
            sampler.Add("System.InvalidOperationException", i % 3 == 0 ? Rare : Often, 1);
        }
        var period = new SampleAggregator(DateTimeOffset.UnixEpoch);
        var result = sampler.Drain(period);
        Assert.False(result.Upscaled);
        Assert.Equal(2, result.Kept);
        Assert.Equal(100, Count(period, Rare));
        Assert.Equal(200, Count(period, Often));
    }

    [Fact]
    public void Above_the_cap_stack_counts_are_unbiased_estimates_and_type_totals_exact()
    {
        // The exact keys are used up by a storm of distinct stacks; then 100,000 throws of one type, 10 % from the rare
        // site, are sampled; 200 periods give the estimator's mean and spread.
        var random = new Random(7);
        var sampler = new ExceptionSampler(random);
        var estimates = new List<double>();
        for (var run = 0; run < 200; run++)
        {
            for (var i = 0; i < ExceptionSampler.MaxExactKeys; i++)
            {
                sampler.Add("System.TimeoutException", [(ulong)i], 1);
            }
            for (var i = 0; i < 100_000; i++)
            {
                sampler.Add("System.ArgumentException", random.NextDouble() < 0.1 ? Rare : Often, 1);
            }
            sampler.Add("System.FormatException", Rare, 2);
            var period = new SampleAggregator(DateTimeOffset.UnixEpoch);
            var result = sampler.Drain(period);
            Assert.True(result.Upscaled);
            Assert.Equal(ExceptionSampler.MaxExactKeys + ExceptionSampler.StacksPerType + 1, result.Kept);
            Assert.Equal(ExceptionSampler.MaxExactKeys + 100_001, result.Seen);
            var total = period.Values.Where(v => v.Key.ExceptionType == "System.ArgumentException").Sum(v => v.Value.ExceptionCount);
            Assert.Equal(100_000, total, 1e-6);
            Assert.Equal(1, period.Values.Single(v => v.Key.ExceptionType == "System.FormatException").Value.ExceptionCount);
            estimates.Add(period.Values.Where(v => v.Key.ExceptionType == "System.ArgumentException" && period.Stacks[v.Key.StackId] == Rare)
                .Sum(v => v.Value.ExceptionCount));
        }
        // True count ≈ 10,000 per period: the mean of 200 estimates is within 2 %; a 10 % share of 500 kept stacks has a
        // standard error of ≈ 13 %, so nearly every period is within ±40 %.
        Assert.InRange(estimates.Average(), 9_800, 10_200);
        Assert.True(estimates.Count(e => Math.Abs(e - 10_000) > 4_000) <= 4, "one period's estimate is within ±40 % of the true count");
    }

    [Fact]
    public void Types_beyond_the_cap_are_dropped_and_counted()
    {
        var sampler = new ExceptionSampler(new Random(1));
        for (var i = 0; i < ExceptionSampler.MaxExactKeys; i++)
        {
            sampler.Add("System.TimeoutException", [(ulong)i], 1);
        }
        for (var i = 0; i < ExceptionSampler.MaxTypes + 5; i++)
        {
            sampler.Add($"Type{i}", Often, 1);
        }
        var result = sampler.Drain(new SampleAggregator(DateTimeOffset.UnixEpoch));
        Assert.Equal(5, result.Dropped);
        Assert.Equal(ExceptionSampler.MaxTypes + 1, result.Types);
        Assert.Equal(0, sampler.Seen);
    }

    private static double Count(SampleAggregator period, ulong[] stack) =>
        period.Values.Where(v => period.Stacks[v.Key.StackId] == stack).Sum(v => v.Value.ExceptionCount);
}
