namespace Flamewatch.NodeCollector.Discovery;

/// <summary>What looking at one process found.</summary>
internal enum InspectionOutcome
{
    /// <summary>The runtime's diagnostic socket exists: a .NET process that can be attached to.</summary>
    DiagnosticSocket,

    /// <summary>A .NET process started with <c>DOTNET_EnableDiagnostics=0</c> (or <c>…_IPC=0</c>): it has no socket by choice.</summary>
    DiagnosticsDisabled,

    /// <summary>No diagnostic socket and no sign of a runtime with diagnostics off: not a .NET process (or not started yet).</summary>
    NotDotNet,

    /// <summary>The process exited (or its PID now names another process).</summary>
    Exited,

    /// <summary>The collector may not read the process's <c>/proc</c> entries or root (needs CAP_SYS_PTRACE or the same UID).</summary>
    PermissionDenied,

    /// <summary>The inspection did not finish within the scanner's time limit (reads stuck on a wedged process).</summary>
    Timeout,

    /// <summary>Any other failure; <see cref="ProcessInspection.Detail"/> says what.</summary>
    Failed,
}
