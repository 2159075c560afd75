using Flamewatch.TestKit.TargetApp;
using Xunit.Abstractions;

namespace Flamewatch.Profiling.Tests;

/// <summary>A target started with DOTNET_EventPipeThreadSamplingRate=A already samples at ~100 Hz: no duty-cycling.</summary>
public sealed class KnobRateTests(KnobRateTarget target, ITestOutputHelper output) : IClassFixture<KnobRateTarget>
{
    [Fact]
    public async Task Continuous_sampling_at_the_knob_rate_meets_the_configured_frequency()
    {
        var options = new ProfilingOptions { Period = TimeSpan.FromSeconds(5), FrequencyHz = 100, ProfileTypes = ProfileTypes.Cpu | ProfileTypes.Wall };
        var (statistics, profile) = (await SessionRunner.ProfileAsync(target.Process.Pid, options))[0];
        var reader = new ProfileReader(profile);

        output.WriteLine($"effective rate {statistics.EffectiveFrequencyHz:F1} Hz (continuous)");
        Assert.False(statistics.DutyCycled);
        Assert.InRange(statistics.EffectiveFrequencyHz, 90, 110);
        var seconds = (statistics.End - statistics.Start).TotalSeconds;
        var sleeperWall = reader.Sum("wall-time", s => reader.OnThread(s, Workloads.SleeperThreadName)) / 1e9;
        Assert.InRange(sleeperWall, 0.85 * seconds, 1.15 * seconds);
    }
}
