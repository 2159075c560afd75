using Flamewatch.TestKit.Runtimes;
using Flamewatch.TestKit.TargetApp;
using Xunit.Abstractions;

namespace Flamewatch.Profiling.Tests;

/// <summary>
/// Every profile dimension against workloads whose truth is known, on every supported runtime (the target app
/// published self-contained for .NET 8, 9 and 10), with the tolerances the documentation states.
/// </summary>
public sealed class RuntimeMatrixTests(ITestOutputHelper output)
{
    private static readonly string HotA = $"{typeof(Workloads).FullName}.{nameof(Workloads.HotA)}";
    private static readonly string HotB = $"{typeof(Workloads).FullName}.{nameof(Workloads.HotB)}";
    private static readonly string Retained = $"{typeof(Workloads).FullName}.{nameof(Workloads.AllocateRetained)}";
    private static readonly string Transient = $"{typeof(Workloads).FullName}.{nameof(Workloads.AllocateTransient)}";

    /// <summary>A byte[] of <see cref="Workloads.AllocationPayload"/> bytes on the 64-bit heap (16-byte header, 8-byte length).</summary>
    private const long ArrayBytes = Workloads.AllocationPayload + 24;

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Cpu_and_wall_time_split_the_hot_thread_70_30_and_leave_the_sleeper_idle(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "hot", "sleep");
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Pid, new ProfilingOptions { Period = TimeSpan.FromSeconds(6) }))[0];
        var reader = new ProfileReader(profile);
        bool Hot(Pprof.Sample s) => reader.OnThread(s, Workloads.HotThreadName);

        var cpuA = reader.Sum("cpu-time", s => Hot(s) && reader.Leaf(s) == HotA);
        var cpuB = reader.Sum("cpu-time", s => Hot(s) && reader.Leaf(s) == HotB);
        var wallA = reader.Sum("wall-time", s => Hot(s) && reader.Leaf(s) == HotA);
        var wallB = reader.Sum("wall-time", s => Hot(s) && reader.Leaf(s) == HotB);
        var seconds = (statistics.End - statistics.Start).TotalSeconds;
        var sleeperWall = reader.Sum("wall-time", s => reader.OnThread(s, Workloads.SleeperThreadName)) / 1e9;
        var sleeperCpu = reader.Sum("cpu-time", s => reader.OnThread(s, Workloads.SleeperThreadName));
        var totalCpu = reader.Sum("cpu-time");
        var unresolved = UnresolvedShare(reader);
        output.WriteLine($"{runtime}: HotA CPU share {(double)cpuA / (cpuA + cpuB):P1}, wall share {(double)wallA / (wallA + wallB):P1}; "
            + $"sleeper wall {sleeperWall:F2} s of {seconds:F2} s, CPU {(double)sleeperCpu / totalCpu:P2}; unresolved {unresolved:P2} of samples");

        Assert.InRange((double)cpuA / (cpuA + cpuB), 0.6, 0.8);
        Assert.InRange((double)wallA / (wallA + wallB), 0.6, 0.8);
        Assert.True(cpuA + cpuB > 0.9 * reader.Sum("cpu-time", Hot), "HotA and HotB hold the hot thread's CPU");
        Assert.InRange(sleeperWall, 0.85 * seconds, 1.15 * seconds);
        Assert.True(sleeperCpu <= 0.03 * totalCpu, $"the sleeper has {(double)sleeperCpu / totalCpu:P1} of the CPU");
        Assert.True(unresolved <= 0.01, $"{unresolved:P2} of samples have an unresolved frame");
        Assert.True(statistics.UnresolvedSamples <= 0.01 * statistics.ThreadSamples, $"{statistics.UnresolvedSamples} of {statistics.ThreadSamples} samples unresolved");
        Assert.Contains(reader.Comments, c => c.StartsWith("flamewatch: unresolved-samples=", StringComparison.Ordinal));
        Assert.Contains(reader.Comments, c => c.StartsWith($"flamewatch: runtime .NET {runtime[3..]}.", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task A_thread_that_alternates_work_and_sleep_spends_its_cpu_in_the_work(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "mixed");
        var (_, profile) = (await SessionRunner.ProfileAsync(target.Pid, new ProfilingOptions { Period = TimeSpan.FromSeconds(6) }))[0];
        var reader = new ProfileReader(profile);
        bool Mixed(Pprof.Sample s) => reader.OnThread(s, Workloads.MixedThreadName);
        var work = $"{typeof(Workloads).FullName}.{nameof(Workloads.MixedWork)}";
        var wait = $"{typeof(Workloads).FullName}.{nameof(Workloads.MixedWait)}";
        var cpu = reader.Sum("cpu-time", Mixed);
        var cpuInWork = reader.Sum("cpu-time", s => Mixed(s) && reader.Frames(s).Contains(work));
        var cpuInWait = reader.Sum("cpu-time", s => Mixed(s) && reader.Frames(s).Contains(wait));
        var wallInWork = reader.Sum("wall-time", s => Mixed(s) && reader.Frames(s).Contains(work));
        var wall = reader.Sum("wall-time", Mixed);
        output.WriteLine($"{runtime}: mixed thread CPU {cpu / 1e9:F2} s: {(double)cpuInWork / cpu:P1} in the work, {(double)cpuInWait / cpu:P1} in the sleep; "
            + $"wall {(double)wallInWork / wall:P1} in the work");
        Assert.InRange((double)wallInWork / wall, 0.35, 0.65);
        Assert.True(cpuInWork >= 0.9 * cpu, $"only {(double)cpuInWork / cpu:P1} of the CPU is in the work");
    }

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Allocated_bytes_and_the_live_heap_match_what_the_app_allocated_and_kept(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "alloc");
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Pid, new ProfilingOptions { Period = TimeSpan.FromSeconds(6) }))[0];
        var reader = new ProfileReader(profile);
        var seconds = (statistics.End - statistics.Start).TotalSeconds;

        var allocated = reader.Sum("alloc-size", s => reader.Frames(s).Any(f => f == Retained || f == Transient)) / seconds;
        var allocatedTruth = target.AllocatedBytesPerSecond(statistics.Start, statistics.End);
        // The retaining site keeps the latest RetainedCapacity arrays: what it allocated while profiled, up to that.
        var keptTruth = Math.Min(target.RetainedBytesAllocated(statistics.Start, statistics.End), Workloads.RetainedCapacity * ArrayBytes);
        var retainedLive = reader.Sum("inuse-space", s => reader.Leaf(s) == Retained);
        var transientLive = reader.Sum("inuse-space", s => reader.Leaf(s) == Transient);
        var totalLive = reader.Sum("inuse-space");
        output.WriteLine($"{runtime}: allocated {allocated / 1e6:F1} MB/s vs {allocatedTruth / 1e6:F1} MB/s true ({allocated / allocatedTruth:P1}) from "
            + $"{statistics.AllocationSamples} samples; live at the retaining site {retainedLive / 1e6:F1} MB vs {keptTruth / 1e6:F1} MB kept "
            + $"({retainedLive / (double)keptTruth:P0}), transient site {transientLive / 1e6:F1} MB, all {totalLive / 1e6:F1} MB, GC heap {statistics.GcHeapBytes / 1e6:F1} MB; "
            + $"unresolved {UnresolvedShare(reader):P2}");

        Assert.InRange(allocated / allocatedTruth, 0.85, 1.15);
        Assert.True(reader.Sum("alloc-samples", s => reader.Leaf(s) == Retained) > 0, "allocation counts at the retaining site");
        Assert.InRange(retainedLive / (double)keptTruth, 0.5, 1.5);
        Assert.True(transientLive < 0.15 * keptTruth, $"the transient site holds {transientLive / 1e6:F1} MB live");
        Assert.NotNull(statistics.GcHeapBytes);
        Assert.True(totalLive <= statistics.GcHeapBytes, $"live {totalLive} B above the GC heap {statistics.GcHeapBytes} B");
        Assert.True(UnresolvedShare(reader) <= 0.01);
    }

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Large_objects_are_live_where_they_are_kept_and_not_where_they_die(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "large");
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Pid, new ProfilingOptions { Period = TimeSpan.FromSeconds(6) }))[0];
        var reader = new ProfileReader(profile);
        var retained = $"{typeof(Workloads).FullName}.{nameof(Workloads.AllocateLargeRetained)}";
        var transient = $"{typeof(Workloads).FullName}.{nameof(Workloads.AllocateLargeTransient)}";
        var kept = Math.Min(target.LargeRetainedBytesAllocated(statistics.Start, statistics.End), Workloads.LargeRetainedCapacity * (Workloads.LargePayload + 24.0));
        var retainedLive = reader.Sum("inuse-space", s => reader.Leaf(s) == retained);
        var transientLive = reader.Sum("inuse-space", s => reader.Leaf(s) == transient);
        var transientAllocated = reader.Sum("alloc-size", s => reader.Leaf(s) == transient);
        output.WriteLine($"{runtime}: large retaining site {retainedLive / 1e6:F1} MB live vs {kept / 1e6:F1} MB kept ({retainedLive / kept:P0}); "
            + $"large transient site {transientLive / 1e6:F1} MB live of {transientAllocated / 1e6:F1} MB allocated; GC heap {statistics.GcHeapBytes / 1e6:F1} MB");
        Assert.InRange(retainedLive / kept, 0.5, 1.5);
        Assert.True(transientLive < 0.25 * kept, $"{transientLive / 1e6:F1} MB of large garbage reported live");
        Assert.True(reader.Sum("inuse-space") <= statistics.GcHeapBytes);
    }

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task A_site_whose_objects_all_die_has_next_to_no_live_bytes(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "churn");
        var periods = await SessionRunner.ProfileAsync(target.Pid, new ProfilingOptions { Period = TimeSpan.FromSeconds(4) }, periods: 2);
        foreach (var (statistics, profile) in periods)
        {
            var reader = new ProfileReader(profile);
            var seconds = (statistics.End - statistics.Start).TotalSeconds;
            var allocated = reader.Sum("alloc-size", s => reader.Leaf(s) == Transient);
            var live = reader.Sum("inuse-space", s => reader.Leaf(s) == Transient);
            var allocatedTruth = target.AllocatedBytesPerSecond(statistics.Start, statistics.End) * seconds;
            output.WriteLine($"{runtime}: churn site allocated {allocated / 1e6:F1} MB ({allocated / allocatedTruth:P1} of truth), live {live / 1e6:F2} MB, "
                + $"GC heap {statistics.GcHeapBytes / 1e6:F1} MB");
            Assert.InRange(allocated / allocatedTruth, 0.85, 1.15);
            // At most what the app allocated since the last GC can still be live: a few MB of gen0, never the period's garbage.
            Assert.True(live < 0.05 * allocated, $"{live / 1e6:F1} MB of {allocated / 1e6:F1} MB of garbage reported live");
            Assert.True(reader.Sum("inuse-space") <= statistics.GcHeapBytes);
        }
    }

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Frames_in_precompiled_framework_code_and_its_pinvokes_are_named(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "sockets", "hot");
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Pid, new ProfilingOptions { Period = TimeSpan.FromSeconds(4) }))[0];
        var reader = new ProfileReader(profile);
        bool Sockets(Pprof.Sample s) => reader.OnThread(s, Workloads.SocketThreadName);
        var wall = reader.Sum("wall-time", Sockets);
        var pinvokes = reader.Sum("wall-time", s => Sockets(s) && reader.Leaf(s).StartsWith("Interop+Sys.", StringComparison.Ordinal));
        var echo = reader.Sum("wall-time", s => Sockets(s) && reader.Frames(s).Contains($"{typeof(Workloads).FullName}.{nameof(Workloads.Echo)}"));
        output.WriteLine($"{runtime}: socket thread {wall / 1e9:F2} s wall, {(double)pinvokes / wall:P1} in Interop+Sys P/Invokes, {(double)echo / wall:P1} under Echo; "
            + $"unresolved {statistics.UnresolvedSamples} of {statistics.ThreadSamples} samples");
        Assert.True(pinvokes > 0.2 * wall, "the socket P/Invokes are named");
        Assert.True(echo > 0.9 * wall, "the stacks reach the app's own method");
        Assert.True(statistics.UnresolvedSamples <= 0.01 * statistics.ThreadSamples);
        Assert.True(UnresolvedShare(reader) <= 0.01);
    }

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Short_lived_dynamic_methods_are_named_after_their_code_is_freed(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "dynamic");
        var periods = await SessionRunner.ProfileAsync(target.Pid, new ProfilingOptions { Period = TimeSpan.FromSeconds(3) }, periods: 2);
        foreach (var (statistics, profile) in periods)
        {
            var reader = new ProfileReader(profile);
            bool Dynamic(Pprof.Sample s) => reader.OnThread(s, Workloads.DynamicThreadName);
            var cpu = reader.Sum("cpu-time", Dynamic);
            var named = reader.Sum("cpu-time", s => Dynamic(s) && reader.Leaf(s).EndsWith(Workloads.DynamicMethodName, StringComparison.Ordinal));
            output.WriteLine($"{runtime}: {(double)named / cpu:P1} of the dynamic thread's CPU in {Workloads.DynamicMethodName}; "
                + $"unresolved {statistics.UnresolvedSamples} of {statistics.ThreadSamples} samples");
            Assert.True(named > 0.7 * cpu, $"{(double)named / cpu:P1} of the CPU is in named dynamic methods");
            Assert.True(statistics.UnresolvedSamples <= 0.01 * statistics.ThreadSamples);
        }
    }

    /// <summary>Share of samples (by wall time) with at least one frame left as a raw address.</summary>
    private static double UnresolvedShare(ProfileReader reader)
    {
        var all = reader.Sum("wall-time");
        var unresolved = reader.Sum("wall-time", s => reader.Frames(s).Any(f => f.StartsWith("0x", StringComparison.Ordinal)));
        return all == 0 ? 0 : (double)unresolved / all;
    }
}
