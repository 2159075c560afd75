using Flamewatch.Profiling.Attach;

namespace Flamewatch.Profiling.Tests.Unit;

public sealed class SessionConfigurationTests
{
    [Theory]
    [InlineData(null, null, 100, "duty-cycled")]
    [InlineData("A", null, 100, "continuous")]
    [InlineData(null, "A", 100, "continuous")]   // the legacy spelling the runtime reads too
    [InlineData("A", null, 50, "duty-cycled")]
    [InlineData(null, null, 1000, "continuous")]
    public void The_target_s_sampling_rate_variable_decides_continuous_or_duty_cycled_sampling(string? value, string? legacyValue, int hertz, string mode)
    {
        var environment = new Dictionary<string, string>();
        if (value is not null)
        {
            environment[SamplingRateVariable.Name] = value;
        }

        if (legacyValue is not null)
        {
            environment[SamplingRateVariable.LegacyName] = legacyValue;
        }

        var attach = new AttachResult(AttachOutcome.Attached, "attached", null, environment);

        var configuration = SessionConfiguration.For(new ProfilingOptions { FrequencyHz = hertz }, attach);

        Assert.Equal(mode, configuration.Mode);
    }

    [Fact]
    public void Without_cpu_or_wall_time_nothing_is_sampled_continuously()
    {
        var attach = new AttachResult(AttachOutcome.Attached, "attached", null, new Dictionary<string, string> { [SamplingRateVariable.Name] = "A" });

        var configuration = SessionConfiguration.For(new ProfilingOptions { FrequencyHz = 100, ProfileTypes = ProfileTypes.Allocations }, attach);

        Assert.False(configuration.Continuous);
    }
}
