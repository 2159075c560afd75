namespace Flamewatch.Profiling.Attach;

/// <summary>What <see cref="DiagnosticSocketLocator.Locate"/> found.</summary>
/// <param name="Failure">Null when the socket was found; otherwise why there is none (or why the process could not be read).</param>
/// <param name="Endpoint">The socket, resolved inside the process's root, when found.</param>
/// <param name="NamespacePid">The PID as the process itself sees it (last <c>NSpid</c> value); 0 when unknown.</param>
/// <param name="TempDirectory">The process's TMPDIR (or <c>/tmp</c>) inside its own root.</param>
/// <param name="Message">A readable account of the result, naming the process.</param>
internal sealed record SocketLookup(
    AttachOutcome? Failure,
    DiagnosticEndpoint? Endpoint,
    int NamespacePid,
    string TempDirectory,
    string Message)
{
    public static SocketLookup Failed(AttachOutcome outcome, string message) =>
        new(outcome, null, 0, DiagnosticSocketLocator.DefaultTempDirectory, message);
}
