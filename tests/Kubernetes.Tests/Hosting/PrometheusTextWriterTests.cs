using Flamewatch.Hosting;
using Xunit;

namespace Flamewatch.Kubernetes.Tests.Hosting;

/// <summary>The Prometheus text exposition format (0.0.4) as scrapers parse it.</summary>
public sealed class PrometheusTextWriterTests
{
    [Fact]
    public void A_family_is_a_help_line_a_type_line_then_its_samples()
    {
        var text = new PrometheusTextWriter()
            .Family("jobs_total", PrometheusMetricType.Counter, "Jobs run, by result")
            .Sample("jobs_total", 3, ("result", "success"))
            .Sample("jobs_total", 0, ("result", "error"))
            .Family("queue_depth", PrometheusMetricType.Gauge, "Items waiting")
            .Sample("queue_depth", 7)
            .ToString();

        Assert.Equal(
            """
            # HELP jobs_total Jobs run, by result
            # TYPE jobs_total counter
            jobs_total{result="success"} 3
            jobs_total{result="error"} 0
            # HELP queue_depth Items waiting
            # TYPE queue_depth gauge
            queue_depth 7

            """,
            text);
    }

    [Fact]
    public void A_family_of_one_sample_is_written_with_its_name_once()
    {
        var text = new PrometheusTextWriter()
            .Family("scans_total", PrometheusMetricType.Counter, "Scans run", 12)
            .Family("workqueue_depth", PrometheusMetricType.Gauge, "Items waiting", 2, ("name", "n"))
            .ToString();

        Assert.Equal(
            """
            # HELP scans_total Scans run
            # TYPE scans_total counter
            scans_total 12
            # HELP workqueue_depth Items waiting
            # TYPE workqueue_depth gauge
            workqueue_depth{name="n"} 2

            """,
            text);
    }

    [Fact]
    public void Several_labels_are_comma_separated_in_the_order_given()
    {
        var text = new PrometheusTextWriter().Sample("workqueue_depth", 2, ("controller", "c"), ("name", "n")).ToString();

        Assert.Equal("workqueue_depth{controller=\"c\",name=\"n\"} 2\n", text);
    }

    [Theory]
    [InlineData(@"C:\temp", @"C:\\temp")]
    [InlineData("say \"hi\"", "say \\\"hi\\\"")]
    [InlineData("two\nlines", @"two\nlines")]
    [InlineData("\\\"\n", "\\\\\\\"\\n")]
    [InlineData("plain-value_1.2 é", "plain-value_1.2 é")]
    public void Label_values_escape_backslash_double_quote_and_newline(string value, string escaped)
    {
        var text = new PrometheusTextWriter().Sample("m", 1, ("l", value)).ToString();

        Assert.Equal($"m{{l=\"{escaped}\"}} 1\n", text);
    }

    [Fact]
    public void Help_text_escapes_backslash_and_newline_but_keeps_quotes()
    {
        var text = new PrometheusTextWriter().Family("m", PrometheusMetricType.Gauge, "a \"quoted\" C:\\path\nsecond line").ToString();

        Assert.Equal("# HELP m a \"quoted\" C:\\\\path\\nsecond line\n# TYPE m gauge\n", text);
    }

    [Fact]
    public void A_histogram_has_cumulative_buckets_with_le_then_inf_then_sum_and_count()
    {
        // Observations 0.05, 0.7, 0.9 and 4.0 in buckets 0.1, 1 and 2.5.
        var text = new PrometheusTextWriter()
            .Histogram("request_seconds", "Request time", [0.1, 1, 2.5], [1, 3, 3], count: 4, sum: 5.65, ("controller", "c"))
            .ToString();

        Assert.Equal(
            """
            # HELP request_seconds Request time
            # TYPE request_seconds histogram
            request_seconds_bucket{controller="c",le="0.1"} 1
            request_seconds_bucket{controller="c",le="1"} 3
            request_seconds_bucket{controller="c",le="2.5"} 3
            request_seconds_bucket{controller="c",le="+Inf"} 4
            request_seconds_sum{controller="c"} 5.65
            request_seconds_count{controller="c"} 4

            """,
            text);
    }

    [Fact]
    public void A_histogram_without_labels_still_names_its_buckets()
    {
        var lines = new PrometheusTextWriter().Histogram("h", "x", [0.5], [0], count: 0, sum: 0).ToString().Split('\n');

        Assert.Equal(["h_bucket{le=\"0.5\"} 0", "h_bucket{le=\"+Inf\"} 0", "h_sum 0", "h_count 0"], lines[2..6]);
    }

    [Theory]
    [InlineData(0d, "0")]
    [InlineData(42d, "42")]
    [InlineData(1234567890123d, "1234567890123")]
    [InlineData(0.005, "0.005")]
    [InlineData(-1.5, "-1.5")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Values_are_written_as_go_parses_them(double value, string expected)
    {
        Assert.Equal($"m {expected}\n", new PrometheusTextWriter().Sample("m", value).ToString());
    }

    [Fact]
    public void Fractional_sums_round_trip_exactly()
    {
        var sum = 0.1 + 0.2;
        var line = new PrometheusTextWriter().Sample("m_sum", sum).ToString();

        Assert.Equal(sum, double.Parse(line["m_sum ".Length..^1], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1st_metric")]
    [InlineData("has-dash")]
    [InlineData("has space")]
    [InlineData("métrique")]
    public void A_bad_metric_name_is_rejected_with_the_name(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new PrometheusTextWriter().Sample(name, 1));
        Assert.Contains($"\"{name}\"", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new PrometheusTextWriter().Family(name, PrometheusMetricType.Counter, "h"));
    }

    [Fact]
    public void Colons_are_allowed_in_metric_names_but_not_in_label_names()
    {
        Assert.Equal("job:rate_5m 1\n", new PrometheusTextWriter().Sample("job:rate_5m", 1).ToString());
        var error = Assert.Throws<ArgumentException>(() => new PrometheusTextWriter().Sample("m", 1, ("a:b", "v")));
        Assert.Contains("\"a:b\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_histogram_rejects_an_le_label_and_mismatched_buckets()
    {
        Assert.Throws<ArgumentException>(() => new PrometheusTextWriter().Histogram("h", "x", [1], [0], 0, 0, ("le", "1")));
        Assert.Throws<ArgumentException>(() => new PrometheusTextWriter().Histogram("h", "x", [1, 2], [0], 0, 0));
    }
}
