using Flamewatch.TestKit.TargetApp;
using Xunit.Abstractions;

namespace Flamewatch.Profiling.Tests;

/// <summary>Profiles a real target process at the runtime's default sampler rate.</summary>
public sealed class ProfilingSessionTests(DefaultRateTarget target, ITestOutputHelper output) : IClassFixture<DefaultRateTarget>
{
    private static readonly string HotA = $"{typeof(Workloads).FullName}.{nameof(Workloads.HotA)}";
    private static readonly string HotB = $"{typeof(Workloads).FullName}.{nameof(Workloads.HotB)}";
    private static readonly string Retained = $"{typeof(Workloads).FullName}.{nameof(Workloads.AllocateRetained)}";
    private static readonly string Transient = $"{typeof(Workloads).FullName}.{nameof(Workloads.AllocateTransient)}";

    [Fact]
    public async Task Continuous_sampling_splits_the_hot_thread_70_30_and_tells_cpu_from_wall()
    {
        // 1 kHz is at the target's own sampler rate, so this runs continuously and gives thousands of samples.
        var options = new ProfilingOptions { Period = TimeSpan.FromSeconds(4), FrequencyHz = 1000, ProfileTypes = ProfileTypes.Cpu | ProfileTypes.Wall };
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Process.Pid, options))[0];
        var reader = new ProfileReader(profile);

        Assert.False(statistics.DutyCycled);
        bool Hot(Pprof.Sample s) => reader.OnThread(s, Workloads.HotThreadName);
        var a = reader.Sum("wall-time", s => Hot(s) && reader.Leaf(s) == HotA);
        var b = reader.Sum("wall-time", s => Hot(s) && reader.Leaf(s) == HotB);
        var hotWall = reader.Sum("wall-time", Hot);
        Assert.True(a + b > 0.95 * hotWall, $"HotA+HotB hold {(double)(a + b) / hotWall:P1} of the hot thread");
        var share = (double)a / (a + b);
        output.WriteLine($"HotA share {share:P1} of {statistics.ThreadSamples} samples; sleeper CPU share follows");
        Assert.InRange(share, 0.67, 0.73);

        // No frame of the hot thread is an unresolved address.
        Assert.All(reader.Samples.Where(Hot), s => Assert.DoesNotContain(reader.Frames(s), f => f.StartsWith("0x", StringComparison.Ordinal)));

        var seconds = (statistics.End - statistics.Start).TotalSeconds;
        var sleeperWall = reader.Sum("wall-time", s => reader.OnThread(s, Workloads.SleeperThreadName)) / 1e9;
        Assert.InRange(sleeperWall, 0.85 * seconds, 1.15 * seconds);
        var totalCpu = reader.Sum("cpu-time");
        var sleeperCpu = reader.Sum("cpu-time", s => reader.OnThread(s, Workloads.SleeperThreadName));
        output.WriteLine($"sleeper wall {sleeperWall:F2} s of {seconds:F2} s, CPU {(double)sleeperCpu / totalCpu:P2} of all CPU");
        Assert.True(sleeperCpu <= 0.03 * totalCpu, $"sleeper has {(double)sleeperCpu / totalCpu:P1} of the CPU");
        // The hot thread spins for the whole period; on a loaded machine it still gets a good share of a core.
        var hotCpu = reader.Sum("cpu-time", Hot);
        Assert.True(hotCpu > 0.25 * seconds * 1e9, $"the hot thread burns CPU ({hotCpu / 1e9:F2} s of {seconds:F2} s)");
        Assert.True(hotCpu > 20 * Math.Max(sleeperCpu, 1), "the hot thread, not the sleeper, holds the CPU time");
    }

    [Fact]
    public async Task Duty_cycling_meets_the_configured_frequency_and_keeps_time_unbiased()
    {
        var options = new ProfilingOptions { Period = TimeSpan.FromSeconds(5), FrequencyHz = 100 };
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Process.Pid, options))[0];
        var reader = new ProfileReader(profile);

        output.WriteLine($"effective rate {statistics.EffectiveFrequencyHz:F1} Hz (duty-cycled)");
        Assert.True(statistics.DutyCycled);
        Assert.InRange(statistics.EffectiveFrequencyHz, 90, 110);
        var seconds = (statistics.End - statistics.Start).TotalSeconds;
        var hotWall = reader.Sum("wall-time", s => reader.OnThread(s, Workloads.HotThreadName)) / 1e9;
        Assert.InRange(hotWall, 0.85 * seconds, 1.15 * seconds);
        var sleeperWall = reader.Sum("wall-time", s => reader.OnThread(s, Workloads.SleeperThreadName)) / 1e9;
        Assert.InRange(sleeperWall, 0.85 * seconds, 1.15 * seconds);
        Assert.Contains(reader.Comments, c => c.StartsWith("gc-heap-size-bytes=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Allocated_bytes_match_the_truth_and_the_retaining_site_dominates_live_heap()
    {
        var (statistics, reader, estimated, truth) = await MeasureAllocationsAsync(new ProfilingOptions { Period = TimeSpan.FromSeconds(5), FrequencyHz = 100 });
        output.WriteLine($"allocated {estimated / 1e6:F2} MB/s estimated vs {truth / 1e6:F2} MB/s true ({estimated / truth:P1}) from {statistics.AllocationSamples} samples");
        Assert.InRange(estimated / truth, 0.9, 1.1);
        Assert.True(reader.Sum("alloc-samples", s => reader.Frames(s).Any(f => f == Retained || f == Transient)) > 0);

        var retainedLive = reader.Sum("inuse-space", s => reader.Leaf(s) == Retained);
        var transientLive = reader.Sum("inuse-space", s => reader.Leaf(s) == Transient);
        output.WriteLine($"live: retaining site {retainedLive / 1e6:F1} MB, transient site {transientLive / 1e6:F1} MB, GC heap {statistics.GcHeapBytes / 1e6:F1} MB");
        Assert.True(retainedLive > 3 * transientLive, $"retained {retainedLive} vs transient {transientLive} live bytes");
        Assert.True(retainedLive > 0.5 * reader.Sum("inuse-space"), "the retaining site holds most live bytes");
    }

    [Fact]
    public async Task Allocation_ticks_are_the_fallback_where_allocation_sampling_is_unwanted()
    {
        // GCAllocationTick fires every ~100 KB: the object crossing the threshold stands for the bytes since the last tick.
        var (_, reader, estimated, truth) = await MeasureAllocationsAsync(
            new ProfilingOptions { Period = TimeSpan.FromSeconds(4), FrequencyHz = 100, UseAllocationTicks = true });
        output.WriteLine($"allocation ticks: {estimated / 1e6:F2} MB/s vs {truth / 1e6:F2} MB/s true ({estimated / truth:P1})");
        Assert.InRange(estimated / truth, 0.85, 1.15);
        // Ticks carry the sampled object's address, so the live heap follows them as it follows AllocationSampled.
        Assert.True(reader.Sum("inuse-space", s => reader.Leaf(s) == Retained) > 0.5 * reader.Sum("inuse-space"));
    }

    /// <summary>Profiles one period; returns the estimated and the true bytes/s of the two allocation sites.</summary>
    private async Task<(PeriodStatistics Statistics, ProfileReader Reader, double Estimated, double Truth)> MeasureAllocationsAsync(ProfilingOptions options)
    {
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Process.Pid, options))[0];
        var reader = new ProfileReader(profile);
        var seconds = (statistics.End - statistics.Start).TotalSeconds;
        var estimated = reader.Sum("alloc-size", s => reader.Frames(s).Any(f => f == Retained || f == Transient)) / seconds;
        return (statistics, reader, estimated, target.Process.AllocatedBytesPerSecond(statistics.Start, statistics.End));
    }
}
