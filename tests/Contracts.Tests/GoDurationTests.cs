using Flamewatch.Settings;

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
    [InlineData("9999999999999999999999999999h", "longer than")]
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
    [InlineData(1_500, "1.5s")]
    [InlineData(61_500, "1m1.5s")]
    [InlineData(250, "250ms")]
    [InlineData(604_800_000, "168h")]
    [InlineData(3_600_500, "1h0.5s")]
    [InlineData(0, "0s")]
    public void Formats_compactly_and_round_trips(long milliseconds, string expected)
    {
        var text = GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal(expected, text);
        Assert.True(GoDuration.TryParse(text, out var back, out _));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), back);
    }

    [Theory]
    [InlineData("45s")]
    [InlineData("1m30s")]
    [InlineData("1.5s")]
    [InlineData("1m0.25s")]
    [InlineData("250ms")]
    [InlineData("8760h")]
    [InlineData("0.00015ms")]
    public void Go_syntax_reads_every_crd_duration_the_same(string text)
    {
        Assert.True(GoDuration.TryParse(text, out var crd, out _));
        Assert.True(GoDuration.TryParseGoSyntax(text, out var go));
        Assert.Equal(crd.TotalMilliseconds, go.TotalMilliseconds, precision: 3);
    }

    [Theory]
    [InlineData("-10s", -10_000_000_000)]
    [InlineData("+1.5h", 5_400_000_000_000)]
    [InlineData(".5s", 500_000_000)]
    [InlineData("5.s", 5_000_000_000)]
    [InlineData("0", 0)]
    [InlineData("-0", 0)]
    [InlineData("1500ns", 1_500)]
    [InlineData("3us", 3_000)]
    [InlineData("3µs", 3_000)]
    [InlineData("3μs", 3_000)]
    [InlineData("1h1m1s1ms1us100ns", 3_661_001_001_100)]
    public void Go_syntax_also_reads_signs_small_units_and_bare_points(string text, long expectedNanoseconds)
    {
        Assert.True(GoDuration.TryParseGoSyntax(text, out var duration));
        Assert.Equal(TimeSpan.FromTicks(expectedNanoseconds / 100), duration);
        Assert.False(GoDuration.TryParse(text, out _, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("10")]
    [InlineData("1.2.3s")]
    [InlineData("1sx")]
    [InlineData("1 s")]
    [InlineData("3 days")]
    [InlineData("PT10S")]
    [InlineData("9999999999999999999999999999h")]
    [InlineData("256204779h")]
    public void Go_syntax_rejects_what_go_rejects_and_what_a_timespan_cannot_hold(string text)
    {
        Assert.False(GoDuration.TryParseGoSyntax(text, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5_000)]
    [InlineData(15_000_001)]
    [InlineData(36_000_000_007)]
    public void Every_tick_precise_duration_round_trips_through_the_crd_form(long ticks)
    {
        var text = GoDuration.Format(TimeSpan.FromTicks(ticks));
        Assert.True(GoDuration.TryParse(text, out var back, out var error), $"{text}: {error}");
        Assert.Equal(ticks, back.Ticks);
    }

    [Fact]
    public void A_negative_duration_formats_with_a_sign_that_go_syntax_reads_back()
    {
        Assert.Equal("-1m30s", GoDuration.Format(TimeSpan.FromSeconds(-90)));
        Assert.True(GoDuration.TryParseGoSyntax("-1m30s", out var back));
        Assert.Equal(TimeSpan.FromSeconds(-90), back);
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("168h", 604_800_000)]
    [InlineData("7.00:00:00", 604_800_000)]
    [InlineData("00:01:30", 90_000)]
    [InlineData(" 2m ", 120_000)]
    [InlineData("-1h", -3_600_000)]
    [InlineData("-01:00:00", -3_600_000)]
    public void Options_take_go_durations_and_the_legacy_timespan_form(string text, long expectedMilliseconds)
    {
        Assert.True(GoDuration.TryParseOption(text, out var duration, out var error), error);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), duration);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("7d", "\"7d\" is not a duration such as 10s")]
    [InlineData("25:00:00", "is not a duration")]
    [InlineData("P7D", "is not a duration")]
    [InlineData("10", "is not a duration")]
    public void Options_reject_other_text_quoting_it(string text, string expectedFragment)
    {
        Assert.False(GoDuration.TryParseOption(text, out _, out var error));
        Assert.Contains(expectedFragment, error, StringComparison.Ordinal);
    }
}
