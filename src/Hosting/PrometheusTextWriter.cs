using System.Globalization;
using System.Text;

namespace Flamewatch.Hosting;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4) that the operator's, the collector's and the agent's
/// <c>/metrics</c> serve: a <c># HELP</c> and a <c># TYPE</c> line per metric family, then its samples.
/// Label values and help texts are escaped as the format requires; names are checked, so a bad name is an
/// <see cref="ArgumentException"/> rather than a page no scraper can read.
/// </summary>
public sealed class PrometheusTextWriter
{
    /// <summary>The Content-Type of a <c>/metrics</c> response in this format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();

    /// <summary>Starts a metric family: its <c># HELP</c> and <c># TYPE</c> lines.</summary>
    public PrometheusTextWriter Family(string name, PrometheusMetricType type, string help)
    {
        CheckMetricName(name);
        _text.Append("# HELP ").Append(name).Append(' ');
        AppendEscaped(help, escapeQuotes: false);
        _text.Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type switch
        {
            PrometheusMetricType.Counter => "counter",
            PrometheusMetricType.Gauge => "gauge",
            PrometheusMetricType.Histogram => "histogram",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a Prometheus metric type"),
        }).Append('\n');
        return this;
    }

    /// <summary>A metric family of one sample: its <c># HELP</c> and <c># TYPE</c> lines, then the sample's line.</summary>
    public PrometheusTextWriter Family(string name, PrometheusMetricType type, string help, double value, params ReadOnlySpan<(string Name, string Value)> labels) =>
        Family(name, type, help).Sample(name, value, labels);

    /// <summary>One sample line: <c>name{label="value",...} value</c> (no braces without labels).</summary>
    public PrometheusTextWriter Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        CheckMetricName(name);
        _text.Append(name);
        if (!labels.IsEmpty)
        {
            _text.Append('{');
            AppendLabels(labels);
            _text.Append('}');
        }

        _text.Append(' ');
        AppendValue(value);
        _text.Append('\n');
        return this;
    }

    /// <summary>
    /// A whole histogram family: <c>_bucket</c> lines with <c>le</c> for each upper bound and <c>+Inf</c> (the count),
    /// then <c>_sum</c> and <c>_count</c>. <paramref name="cumulativeCounts"/>[i] counts observations ≤ <paramref name="upperBounds"/>[i].
    /// </summary>
    public PrometheusTextWriter Histogram(
        string name,
        string help,
        IReadOnlyList<double> upperBounds,
        IReadOnlyList<long> cumulativeCounts,
        long count,
        double sum,
        params ReadOnlySpan<(string Name, string Value)> labels)
    {
        if (upperBounds.Count != cumulativeCounts.Count)
        {
            throw new ArgumentException($"{upperBounds.Count} bucket bounds but {cumulativeCounts.Count} bucket counts", nameof(cumulativeCounts));
        }

        foreach (var (label, _) in labels)
        {
            if (label == "le")
            {
                throw new ArgumentException("a histogram's own labels cannot include \"le\", which names its buckets", nameof(labels));
            }
        }

        Family(name, PrometheusMetricType.Histogram, help);
        var bucket = name + "_bucket";
        for (var i = 0; i <= upperBounds.Count; i++)
        {
            _text.Append(bucket).Append('{');
            if (!labels.IsEmpty)
            {
                AppendLabels(labels);
                _text.Append(',');
            }

            _text.Append("le=\"");
            if (i < upperBounds.Count)
            {
                AppendValue(upperBounds[i]);
            }
            else
            {
                _text.Append("+Inf");
            }

            _text.Append("\"} ");
            AppendValue(i < upperBounds.Count ? cumulativeCounts[i] : count);
            _text.Append('\n');
        }

        Sample(name + "_sum", sum, labels);
        return Sample(name + "_count", count, labels);
    }

    /// <summary>The exposition written so far.</summary>
    public override string ToString() => _text.ToString();

    private void AppendLabels(ReadOnlySpan<(string Name, string Value)> labels)
    {
        for (var i = 0; i < labels.Length; i++)
        {
            var (label, value) = labels[i];
            CheckLabelName(label);
            if (i > 0)
            {
                _text.Append(',');
            }

            _text.Append(label).Append("=\"");
            AppendEscaped(value, escapeQuotes: true);
            _text.Append('"');
        }
    }

    /// <summary>Help texts escape backslash and newline; label values also the double quote.</summary>
    private void AppendEscaped(string text, bool escapeQuotes)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    _text.Append(@"\\");
                    break;
                case '\n':
                    _text.Append(@"\n");
                    break;
                case '"' when escapeQuotes:
                    _text.Append("\\\"");
                    break;
                default:
                    _text.Append(c);
                    break;
            }
        }
    }

    private void AppendValue(double value) => _text.Append(value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString(CultureInfo.InvariantCulture),
    });

    /// <summary>Metric names: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    private static void CheckMetricName(string name)
    {
        if (!IsName(name, allowColon: true))
        {
            throw new ArgumentException($"\"{name}\" is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", nameof(name));
        }
    }

    /// <summary>Label names: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    private static void CheckLabelName(string name)
    {
        if (!IsName(name, allowColon: false))
        {
            throw new ArgumentException($"\"{name}\" is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)", nameof(name));
        }
    }

    private static bool IsName(string name, bool allowColon)
    {
        if (string.IsNullOrEmpty(name) || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':')))
            {
                return false;
            }
        }

        return true;
    }
}
