namespace Flamewatch.Contracts.Tests;

public sealed class SamplingRateVariableTests
{
    [Theory]
    [InlineData(null, 100, false)]
    [InlineData("", 100, false)]
    [InlineData("A", 100, true)]
    [InlineData("0xA", 100, true)]
    [InlineData("a", 100, true)]
    [InlineData("10", 100, true)]
    [InlineData("A", 50, false)]
    [InlineData("14", 50, true)]
    [InlineData("1", 1000, true)]
    [InlineData(null, 1000, true)]
    [InlineData("ten", 100, false)]
    public void A_process_samples_continuously_when_its_runtime_rate_is_at_most_a_quarter_above_the_frequency(string? value, int hertz, bool continuous) =>
        Assert.Equal(continuous, SamplingRateVariable.IsContinuous(value, hertz));

    [Fact]
    public void The_value_written_for_a_frequency_samples_it_continuously()
    {
        foreach (var hertz in new[] { 1, 7, 19, 50, 61, 99, 100, 101, 250, 333, 500, 999, 1000 })
        {
            Assert.True(SamplingRateVariable.IsContinuous(SamplingRateVariable.Format(hertz), hertz), $"{hertz} Hz → {SamplingRateVariable.Format(hertz)}");
        }
    }

    [Theory]
    [InlineData(100, "A")]
    [InlineData(50, "14")]
    [InlineData(1000, "1")]
    [InlineData(3, "14D")]
    public void A_frequency_is_written_as_hexadecimal_milliseconds(int hertz, string expected) =>
        Assert.Equal(expected, SamplingRateVariable.Format(hertz));

    [Theory]
    [InlineData("A", 10)]
    [InlineData("0xA", 10)]
    [InlineData(" a ", 10)]
    [InlineData("10", 16)]   // hexadecimal, like every CLR DWORD setting
    [InlineData("1", 1)]
    [InlineData("0", null)]
    [InlineData("zz", null)]
    [InlineData("186A0", null)]   // 100 s: not a sampler interval
    public void A_value_is_read_as_hexadecimal_milliseconds(string value, int? expected) =>
        Assert.Equal(expected, SamplingRateVariable.ParseMilliseconds(value));

    [Fact]
    public void The_environment_s_value_is_the_current_spelling_else_the_legacy_one()
    {
        Assert.Null(SamplingRateVariable.ValueIn(new Dictionary<string, string> { ["PATH"] = "/bin" }));
        Assert.Equal("14", SamplingRateVariable.ValueIn(new Dictionary<string, string> { [SamplingRateVariable.LegacyName] = "14" }));
        Assert.Equal("A", SamplingRateVariable.ValueIn(new Dictionary<string, string> { [SamplingRateVariable.LegacyName] = "14", [SamplingRateVariable.Name] = "A" }));
    }
}
