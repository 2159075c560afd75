namespace Flamewatch.NodeCollector.Discovery;

/// <summary>The result of trying to talk to a process's .NET runtime over its diagnostic socket.</summary>
internal enum AttachOutcome
{
    /// <summary>The runtime answered; its version is known.</summary>
    Attached,

    /// <summary>The process has no diagnostic socket: not a .NET process (or not started yet).</summary>
    NoDiagnosticSocket,

    /// <summary>A .NET process that runs with <c>DOTNET_EnableDiagnostics=0</c>.</summary>
    DiagnosticsDisabled,

    /// <summary>The collector may not reach the process's root or socket (needs CAP_SYS_PTRACE and CAP_DAC_OVERRIDE, or the same UID).</summary>
    PermissionDenied,

    /// <summary>The process is gone.</summary>
    Exited,

    /// <summary>No answer within the probe's time limit (a hung or suspended runtime).</summary>
    Timeout,

    /// <summary>Anything else; the result's detail says what.</summary>
    Failed,
}
