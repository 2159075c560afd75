using System.Diagnostics;
using Flamewatch.Profiling.Sampling;
using Flamewatch.TestKit.Runtimes;
using Flamewatch.TestKit.TargetApp;
using Xunit.Abstractions;

namespace Flamewatch.Profiling.Tests;

/// <summary>
/// Exceptions and lock contention against target apps whose throw rates and lock waits are known (the app counts
/// its throws and times its waits), on every supported runtime, with the tolerances the documentation states.
/// </summary>
public sealed class ExceptionAndLockMatrixTests(ITestOutputHelper output)
{
    private static readonly string Often = $"{typeof(Workloads).FullName}.{nameof(Workloads.ThrowOften)}";
    private static readonly string Sometimes = $"{typeof(Workloads).FullName}.{nameof(Workloads.ThrowSometimes)}";
    private static readonly string Format = $"{typeof(Workloads).FullName}.{nameof(Workloads.ThrowFormat)}";
    private static readonly string Storm = $"{typeof(Workloads).FullName}.{nameof(Workloads.ThrowStorm)}";
    private static readonly string SharedLock = $"{typeof(Workloads).FullName}.{nameof(Workloads.WaitForSharedLock)}";
    private static readonly string BusyLock = $"{typeof(Workloads).FullName}.{nameof(Workloads.EnterBusyLock)}";

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Exceptions_are_counted_per_type_and_throw_site_within_20_percent(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "exceptions");
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Pid,
            new ProfilingOptions { Period = TimeSpan.FromSeconds(6), ProfileTypes = ProfileTypes.Exceptions | ProfileTypes.Cpu }))[0];
        var reader = new ProfileReader(profile);
        var (from, to) = (statistics.Start, statistics.End);

        var often = reader.Sum("exception", s => reader.Frames(s).Contains(Often));
        var sometimes = reader.Sum("exception", s => reader.Frames(s).Contains(Sometimes));
        var format = reader.Sum("exception", s => reader.Frames(s).Contains(Format));
        var invalidOperation = reader.Sum("exception", s => reader.Label(s, "exception type") == "System.InvalidOperationException");
        var formatType = reader.Sum("exception", s => reader.Label(s, "exception type") == "System.FormatException");
        var (oftenTruth, sometimesTruth, formatTruth) = (target.Thrown("often", from, to), target.Thrown("sometimes", from, to), target.Thrown("format", from, to));
        output.WriteLine($"{runtime}: ThrowOften {often} vs {oftenTruth:F0} thrown ({often / oftenTruth:P1}), ThrowSometimes {sometimes} vs {sometimesTruth:F0} "
            + $"({sometimes / sometimesTruth:P1}), ThrowFormat {format} vs {formatTruth:F0} ({format / formatTruth:P1}); InvalidOperationException {invalidOperation} "
            + $"vs {oftenTruth + sometimesTruth:F0} ({invalidOperation / (oftenTruth + sometimesTruth):P1}); "
            + string.Join("; ", reader.Comments.Where(c => c.Contains("exceptions", StringComparison.Ordinal))));

        Assert.InRange(often / oftenTruth, 0.8, 1.2);
        Assert.InRange(format / formatTruth, 0.8, 1.2);
        Assert.InRange(formatType / formatTruth, 0.8, 1.2);
        Assert.InRange(invalidOperation / (oftenTruth + sometimesTruth), 0.8, 1.2);
        Assert.InRange(sometimes / sometimesTruth, 0.8, 1.2);
        Assert.True(reader.Sum("cpu-time") > 0, "CPU time is collected alongside");
        // The type is a label; the message never is.
        var labelValues = reader.Samples.SelectMany(s => s.Label).Select(l => profile.StringTable[(int)l.Str]).ToHashSet();
        Assert.DoesNotContain(labelValues, v => v is "often" or "sometimes" or "format");
        Assert.DoesNotContain(profile.StringTable, v => v is "often" or "sometimes" or "format");
        Assert.Contains(reader.Comments, c => c.StartsWith("flamewatch: exceptions ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task An_exception_storm_is_sampled_upscaled_and_bounded(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "storm", "exceptions");
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        // The first 2 s cycle measures the rate with the session on; the period is long enough for slices after it.
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Pid,
            new ProfilingOptions { Period = TimeSpan.FromSeconds(8), ProfileTypes = ProfileTypes.Exceptions }))[0];
        var collectorCores = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / clock.Elapsed.TotalSeconds;
        var reader = new ProfileReader(profile);
        var (from, to) = (statistics.Start, statistics.End);
        var seconds = (to - from).TotalSeconds;

        var storm = reader.Sum("exception", s => reader.Frames(s).Contains(Storm));
        var stormTruth = target.Thrown("storm", from, to);
        var often = reader.Sum("exception", s => reader.Frames(s).Contains(Often));
        var oftenTruth = target.Thrown("often", from, to);
        var samples = reader.Samples.Count(s => s.Value[reader.TypeIndex("exception")] > 0);
        output.WriteLine($"{runtime}: storm {stormTruth / seconds:F0} throws/s; estimated {storm} vs {stormTruth:F0} ({storm / stormTruth:P1}); ThrowOften {often} vs "
            + $"{oftenTruth:F0} ({often / oftenTruth:P1}); {samples} exception samples; collector {collectorCores:F2} cores; "
            + string.Join("; ", reader.Comments.Where(c => c.Contains("exceptions", StringComparison.Ordinal) || c.Contains("lost", StringComparison.Ordinal))));

        Assert.True(stormTruth / seconds >= 20_000, $"the storm threw only {stormTruth / seconds:F0}/s");
        // Few throw stacks: counted exactly, and the profile says whether values are exact or upscaled.
        Assert.Contains(reader.Comments, c => c.Contains("values exact", StringComparison.Ordinal) || c.Contains("values upscaled", StringComparison.Ordinal));
        Assert.True(samples <= ExceptionSampler.MaxExactKeys + (ExceptionSampler.StacksPerType * 3), $"{samples} exception samples: the kept stacks are capped");
        // Every throw the runtime delivered is counted; under a storm the runtime's buffer may drop some, which the profile states.
        Assert.InRange(storm / stormTruth, reader.Comments.Any(c => c.Contains("events lost", StringComparison.Ordinal)) ? 0.3 : 0.8, 1.2);
        Assert.InRange(often / oftenTruth, 0.8, 1.2);
    }

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Lock_waits_belong_to_the_contended_method_and_match_what_the_app_measured(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "lock");
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Pid,
            new ProfilingOptions { Period = TimeSpan.FromSeconds(6), ProfileTypes = ProfileTypes.LockContention }))[0];
        var reader = new ProfileReader(profile);
        var (from, to) = (statistics.Start, statistics.End);

        var total = reader.Sum("lock-time");
        var inMethod = reader.Sum("lock-time", s => reader.Frames(s).Contains(SharedLock));
        var count = reader.Sum("lock-count", s => reader.Frames(s).Contains(SharedLock));
        var truth = target.LockWaitNanoseconds(from, to);
        var waitsTruth = target.LockWaits(from, to);
        output.WriteLine($"{runtime}: lock wait {total / 1e9:F2} s, {(double)inMethod / total:P1} in {nameof(Workloads.WaitForSharedLock)}; app measured {truth / 1e9:F2} s "
            + $"({total / truth:P1}); {count} waits vs {waitsTruth:F0} the app counted; "
            + string.Join("; ", reader.Comments.Where(c => c.Contains("lock", StringComparison.Ordinal))));
        var heaviest = reader.Samples.MaxBy(s => s.Value[reader.TypeIndex("lock-time")]);
        output.WriteLine($"{runtime}: heaviest wait stack: {(heaviest is null ? "none" : string.Join(" <- ", reader.Frames(heaviest)))}");

        Assert.True(inMethod >= 0.8 * total, $"only {(double)inMethod / total:P1} of the wait time is in the contended method");
        Assert.InRange(total / truth, 0.6, 1.4);
        Assert.True(count > 0, "waits are counted");
        Assert.Equal(-1, reader.TypeIndex("exception"));
    }

    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Fast_contention_is_observed_in_slices_and_upscaled_to_the_runtime_s_count(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "lockheavy");
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Pid,
            new ProfilingOptions { Period = TimeSpan.FromSeconds(8), ProfileTypes = ProfileTypes.LockContention }))[0];
        var reader = new ProfileReader(profile);
        var (from, to) = (statistics.Start, statistics.End);
        var seconds = (to - from).TotalSeconds;

        var count = reader.Sum("lock-count");
        var inBusyLock = reader.Sum("lock-count", s => reader.Frames(s).Contains(BusyLock));
        var truth = target.LockContentions(from, to);
        output.WriteLine($"{runtime}: {truth / seconds:F0} contended entries/s (Monitor.LockContentionCount); estimated {count} vs {truth:F0} ({count / truth:P1}), "
            + $"{(double)inBusyLock / count:P1} in {nameof(Workloads.EnterBusyLock)}; "
            + string.Join("; ", reader.Comments.Where(c => c.Contains("lock", StringComparison.Ordinal) || c.Contains("lost", StringComparison.Ordinal))));

        Assert.True(truth / seconds >= 2 * SlicedEvents.Contention.SteadyRate, $"only {truth / seconds:F0} contended entries/s: not fast enough to be sliced");
        Assert.Contains(reader.Comments, c => c.StartsWith("flamewatch: lock contention observed", StringComparison.Ordinal) && c.Contains("values upscaled", StringComparison.Ordinal));
        Assert.True(inBusyLock >= 0.8 * count, $"only {(double)inBusyLock / count:P1} of the waits are in the contended method");
        Assert.InRange(count / truth, 0.6, 1.4);
    }
}
