using Flamewatch.TestKit.Runtimes;
using Flamewatch.TestKit.TargetApp;
using Xunit.Abstractions;

namespace Flamewatch.Profiling.Tests;

/// <summary>ReadyToRun framework code first run after attach still gets its method names (late binding).</summary>
public sealed class LateSymbolTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TargetRuntimes.Cases), MemberType = typeof(TargetRuntimes))]
    public async Task Framework_code_first_used_after_attach_is_resolved(string runtime)
    {
        using var target = await TargetProcess.StartOnAsync(runtime, "sleep", "late");
        var options = new ProfilingOptions { Period = TimeSpan.FromSeconds(6), FrequencyHz = 1000, ProfileTypes = ProfileTypes.Cpu | ProfileTypes.Wall };
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Pid, options))[0];
        var reader = new ProfileReader(profile);

        var late = reader.Samples.Where(s => reader.OnThread(s, Workloads.LateThreadName)).ToList();
        Assert.NotEmpty(late);
        var frames = late.SelectMany(reader.Frames).ToHashSet();
        output.WriteLine(string.Join(Environment.NewLine, frames.Order()));
        Assert.Contains($"{typeof(Workloads).FullName}.{nameof(Workloads.EncodeLate)}", frames);
        Assert.Contains(frames, f => f.StartsWith("System.Convert.", StringComparison.Ordinal));
        Assert.DoesNotContain(frames, f => f.StartsWith("0x", StringComparison.Ordinal));
        output.WriteLine($"unresolved frames in the whole profile: {statistics.UnresolvedFrames}");
    }
}
