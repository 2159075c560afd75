using Flamewatch.Profiling.Sampling;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class SamplerRateTests
{
    [Theory]
    [InlineData("A", 10)]
    [InlineData("0xA", 10)]
    [InlineData("10", 16)]   // hexadecimal, like every CLR DWORD setting
    [InlineData("1", 1)]
    [InlineData("0", null)]
    [InlineData("zz", null)]
    public void The_environment_knob_is_hexadecimal_milliseconds(string value, int? expected) =>
        Assert.Equal(expected, SamplerRate.ConfiguredIntervalMs(new Dictionary<string, string> { [SamplerRate.EnvironmentVariable] = value }));

    [Fact]
    public void Without_the_knob_the_default_1_kHz_sampler_is_duty_cycled_for_100_Hz()
    {
        var interval = SamplerRate.ExpectedIntervalMs(new Dictionary<string, string>());
        Assert.False(SamplerRate.IsContinuous(interval, 100));
        Assert.True(SamplerRate.IsContinuous(interval, 1000));
    }

    [Fact]
    public void With_the_knob_at_10_ms_100_Hz_is_sampled_continuously()
    {
        var interval = SamplerRate.ExpectedIntervalMs(new Dictionary<string, string> { [SamplerRate.EnvironmentVariable] = "A" });
        Assert.True(SamplerRate.IsContinuous(interval, 100));
    }
}
