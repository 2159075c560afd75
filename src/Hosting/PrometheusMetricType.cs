namespace Flamewatch.Hosting;

/// <summary>The metric types of the Prometheus text format that Flamewatch exposes (the <c># TYPE</c> line).</summary>
public enum PrometheusMetricType
{
    Counter,
    Gauge,
    Histogram,
}
