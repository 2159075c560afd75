namespace Flamewatch.NodeCollector.Discovery;

/// <summary>What <see cref="AttachProbe"/> found.</summary>
/// <param name="RuntimeVersion">For <see cref="AttachOutcome.Attached"/>: the runtime's product version, e.g. <c>10.0.12</c>.</param>
/// <param name="RuntimeInstanceCookie">Identifies this runtime instance (changes when the process restarts).</param>
/// <param name="Detail">A readable reason for any outcome other than <see cref="AttachOutcome.Attached"/>.</param>
internal sealed record AttachProbeResult(
    AttachOutcome Outcome,
    string? RuntimeVersion = null,
    Guid? RuntimeInstanceCookie = null,
    AttachMethod? Method = null,
    string? DiagnosticSocketPath = null,
    string? Detail = null);
