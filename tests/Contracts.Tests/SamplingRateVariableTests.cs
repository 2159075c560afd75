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
}
