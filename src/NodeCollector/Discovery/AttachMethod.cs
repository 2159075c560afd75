namespace Flamewatch.NodeCollector.Discovery;

/// <summary>How the diagnostics client reached the runtime.</summary>
internal enum AttachMethod
{
    /// <summary><c>new DiagnosticsClient(hostPid)</c>: the client finds the socket through <c>/proc/&lt;pid&gt;</c> itself.</summary>
    ProcessId,

    /// <summary><c>DiagnosticsClientConnector.FromDiagnosticPort("&lt;socket&gt;,connect")</c> on the path discovery found.</summary>
    DiagnosticPort,
}
