using System.Net;

namespace Flamewatch.TestKit.Processes;

/// <summary>What an executable's <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> answered.</summary>
public sealed record ProbeAnswers(HttpStatusCode Healthz, HttpStatusCode Readyz, HttpStatusCode MetricsStatus, string? MetricsContentType, string Metrics)
{
    /// <summary>All three answered 200, and /metrics in the Prometheus text format 0.0.4.</summary>
    public bool AllOk =>
        Healthz == HttpStatusCode.OK && Readyz == HttpStatusCode.OK && MetricsStatus == HttpStatusCode.OK
        && MetricsContentType?.StartsWith("text/plain; version=0.0.4", StringComparison.Ordinal) == true;
}
