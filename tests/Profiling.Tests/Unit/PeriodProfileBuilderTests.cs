using Flamewatch.Profiling.Aggregation;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class PeriodProfileBuilderTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Duty_cycled_time_is_scaled_to_the_period()
    {
        // 1 s of sampled rounds in a 10 s period: every weight counts ten times.
        var period = new SampleAggregator(Start);
        for (var i = 0; i < 100; i++)
        {
            period.AddRound(10);
            period.AddThreadSample([0x10], 1, managed: true, 10);
        }
        var reader = Build(period, new Dictionary<int, ThreadCpu>());
        Assert.Equal(10e9, reader.Sum("wall-time"), 1e6);
        Assert.Equal(10e9, reader.Sum("cpu-time"), 1e6);
    }

    [Fact]
    public void Cpu_time_from_proc_is_spread_over_managed_samples()
    {
        var period = new SampleAggregator(Start);
        for (var i = 0; i < 1000; i++)
        {
            period.AddRound(10);
            period.AddThreadSample([0x10], 1, managed: i % 4 != 0, 10);   // 75 % managed
            period.AddThreadSample([0x20], 2, managed: false, 10);        // blocked all along
        }
        var threads = new Dictionary<int, ThreadCpu> { [1] = new("Worker", 6_000_000_000), [2] = new("Sleeper", 0) };
        var reader = Build(period, threads);
        Assert.Equal(6e9, reader.Sum("cpu-time", s => reader.OnThread(s, "Worker")), 1e3);
        Assert.Equal(0, reader.Sum("cpu-time", s => reader.OnThread(s, "Sleeper")));
        Assert.Equal(10e9, reader.Sum("wall-time", s => reader.OnThread(s, "Sleeper")), 1e3);
    }

    [Fact]
    public void Cpu_burnt_in_native_code_is_charged_to_the_managed_caller()
    {
        var period = new SampleAggregator(Start);
        for (var i = 0; i < 100; i++)
        {
            period.AddRound(100);
            period.AddThreadSample([0x30], 1, managed: false, 100);   // P/Invoke: never "Managed"
        }
        var reader = Build(period, new Dictionary<int, ThreadCpu> { [1] = new("Zipper", 9_000_000_000) });
        Assert.Equal(9e9, reader.Sum("cpu-time"), 1e3);
    }

    [Fact]
    public void Allocations_carry_their_type_and_all_five_values()
    {
        var period = new SampleAggregator(Start);
        period.AddAllocation([0x10], 1, "System.Byte[]", 25, 100_000);
        period.AddInuse([0x10], 1, "System.Byte[]", 40_000);
        var reader = Build(period, new Dictionary<int, ThreadCpu>());
        var sample = Assert.Single(reader.Samples);
        Assert.Equal(5, sample.Value.Count);
        Assert.Equal([0L, 0L, 25L, 100_000L, 40_000L], sample.Value);
        Assert.Equal("System.Byte[]", reader.Label(sample, "allocation class"));
        Assert.Equal("1", reader.Label(sample, "thread id"));
    }

    [Fact]
    public void Dimensions_not_collected_are_zero_and_empty_samples_are_left_out()
    {
        var period = new SampleAggregator(Start);
        period.AddRound(10);
        period.AddThreadSample([0x10], 1, managed: true, 10);
        period.AddAllocation([0x20], 1, "System.Byte[]", 25, 100_000);
        var reader = Build(period, new Dictionary<int, ThreadCpu>(), ProfileTypes.Allocations);
        var sample = Assert.Single(reader.Samples);
        Assert.Equal([0L, 0L, 25L, 0L, 0L], sample.Value);
    }

    [Fact]
    public void Exceptions_and_lock_waits_carry_their_sample_types_only_when_collected()
    {
        var period = new SampleAggregator(Start);
        period.AddExceptions([0x10], 1, "System.InvalidOperationException", 2.5);
        period.AddExceptions([0x10], 1, "System.InvalidOperationException", 2.5);
        period.AddExceptions([0x10], 2, "System.FormatException", 1);
        period.AddWait([0x20], 3, 1_500_000);
        period.AddWait([0x20], 3, 500_000);

        var reader = Build(period, new Dictionary<int, ThreadCpu>(), ProfileTypes.Exceptions | ProfileTypes.LockContention);
        Assert.Equal(5, reader.Sum("exception", s => reader.Label(s, "exception type") == "System.InvalidOperationException"));
        Assert.Equal(1, reader.Sum("exception", s => reader.Label(s, "exception type") == "System.FormatException"));
        Assert.Equal(2, reader.Sum("lock-count"));
        Assert.Equal(2_000_000, reader.Sum("lock-time"));
        Assert.Equal(3, reader.Samples.Count());
        Assert.All(reader.Samples, s => Assert.Equal(8, s.Value.Count));

        var withoutThem = Build(period, new Dictionary<int, ThreadCpu>());
        Assert.Equal(-1, withoutThem.TypeIndex("exception"));
        Assert.Equal(-1, withoutThem.TypeIndex("lock-time"));
        Assert.Empty(withoutThem.Samples);
    }

    [Fact]
    public void Fractional_upscaled_exception_counts_keep_their_total()
    {
        var period = new SampleAggregator(Start);
        for (var thread = 0; thread < 1000; thread++)
        {
            period.AddExceptions([0x10], thread, "System.InvalidOperationException", 1.4);
        }
        var reader = Build(period, new Dictionary<int, ThreadCpu>(), ProfileTypes.Exceptions);
        Assert.Equal(1400, reader.Sum("exception"));
    }

    [Fact]
    public void Lock_waits_upscaled_from_a_share_of_the_period_keep_their_total()
    {
        var period = new SampleAggregator(Start);
        for (var thread = 0; thread < 1000; thread++)
        {
            period.AddWait([0x20], thread, 1000);
        }
        period.AddWait([0x30], 0, 250_000);

        // Observed 1/1.4 of the period: every wait stands for 1.4.
        period.ScaleWaits(1.4);

        var reader = Build(period, new Dictionary<int, ThreadCpu>(), ProfileTypes.LockContention);
        Assert.Equal(1401, reader.Sum("lock-count"));
        Assert.Equal(1_750_000, reader.Sum("lock-time"));
        Assert.Equal(1001, period.Waits);
    }

    [Fact]
    public void Lock_waits_beyond_the_key_cap_are_dropped_and_counted()
    {
        var period = new SampleAggregator(Start);
        for (var thread = 0; thread < SampleAggregator.MaxContentionKeys + 10; thread++)
        {
            period.AddWait([0x20], thread, 1000);
        }
        Assert.True(period.AddWait([0x20], 0, 1000), "a known key still counts");
        Assert.Equal(10, period.DroppedWaits);
        Assert.Equal(SampleAggregator.MaxContentionKeys + 1, period.Waits);
    }

    private static ProfileReader Build(SampleAggregator period, IReadOnlyDictionary<int, ThreadCpu> threads, ProfileTypes types = ProfileTypes.Default) =>
        new(PeriodProfileBuilder.Build(period, Start.AddSeconds(10), threads, (ip, _) => $"M{ip:x}", 10_000_000, [], types));
}
