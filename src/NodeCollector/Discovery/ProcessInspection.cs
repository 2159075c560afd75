namespace Flamewatch.NodeCollector.Discovery;

/// <summary>The result of <see cref="ProcessInspector.Inspect"/>.</summary>
/// <param name="NamespacePid">The PID as the process itself sees it (last <c>NSpid</c> value); 0 when unknown.</param>
/// <param name="TempDirectory">The process's TMPDIR (or <c>/tmp</c>) inside its own root.</param>
/// <param name="SocketPath">For <see cref="InspectionOutcome.DiagnosticSocket"/>: the socket's path as the collector reaches it (through <c>/proc/&lt;pid&gt;/root</c>).</param>
internal sealed record ProcessInspection(
    InspectionOutcome Outcome,
    int NamespacePid = 0,
    string TempDirectory = ProcessInspector.DefaultTempDirectory,
    string? SocketPath = null,
    string? Detail = null);
