using System.Net;

namespace Flamewatch.TestKit.Processes;

/// <summary>What an executable's <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> answered.</summary>
public sealed record ProbeAnswers(HttpStatusCode Healthz, HttpStatusCode Readyz, HttpStatusCode MetricsStatus, string? MetricsContentType, string Metrics);
