namespace Flamewatch.Profiling.Attach;

/// <summary>
/// Why attaching to a process succeeded or failed, from looking up its diagnostic socket to the runtime's first answer.
/// The collector's discovery, its supervisor and the profiling session all report this one type. Every failure has a
/// user-facing message.
/// </summary>
public enum AttachOutcome
{
    Attached,
    /// <summary>No process with that PID.</summary>
    ProcessNotFound,
    /// <summary>The process runs no .NET (CoreCLR) runtime.</summary>
    NotDotNet,
    /// <summary>A .NET process without a reachable diagnostic socket inside its own root.</summary>
    NoDiagnosticSocket,
    /// <summary>The process started with <c>DOTNET_EnableDiagnostics=0</c> (or its IPC variant).</summary>
    DiagnosticsDisabled,
    /// <summary>The collector may not read the process or connect to its socket (uid, ptrace rules).</summary>
    PermissionDenied,
    /// <summary>The process exited while attaching (or its PID now names another process).</summary>
    ProcessExited,
    /// <summary>The process runs a .NET older than 8, whose events Flamewatch cannot read truthfully.</summary>
    UnsupportedRuntime,
    /// <summary>No answer within the caller's time limit (a hung runtime, or reads stuck on a wedged process).</summary>
    Timeout,
    /// <summary>Anything else; the message says what.</summary>
    Failed,
}
