namespace Flamewatch.Contracts.Tests;

public sealed class GoDurationTests
{
    [Theory]
    [InlineData("45s", 45_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("500ms", 500)]
    [InlineData("1m0.25s", 60_250)]
    [InlineData("0s", 0)]
    public void Parses_the_forms_the_crd_pattern_admits(string text, long expectedMilliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), duration);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("-1s", "expected a number")]
    [InlineData("45", "expected a unit")]
    [InlineData("s", "expected a number")]
    [InlineData("10x", "expected a unit")]
    [InlineData("1.s", "digits after the decimal point")]
    [InlineData(" 45s", "expected a number")]
    [InlineData("99999999999h", "longer than")]
    [InlineData("1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s", "longer than 32 characters")]
    public void Rejects_everything_else_with_a_reason(string text, string expectedFragment)
    {
        Assert.False(GoDuration.TryParse(text, out _, out var error));
        Assert.Contains(expectedFragment, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(45_000, "45s")]
    [InlineData(120_000, "2m")]
    [InlineData(90_000, "1m30s")]
    [InlineData(3_723_000, "1h2m3s")]
    [InlineData(1_500, "1500ms")]
    [InlineData(0, "0s")]
    public void Formats_compactly_and_round_trips(long milliseconds, string expected)
    {
        var text = GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal(expected, text);
        Assert.True(GoDuration.TryParse(text, out var back, out _));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), back);
    }
}
