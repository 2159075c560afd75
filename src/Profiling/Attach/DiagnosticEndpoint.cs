namespace Flamewatch.Profiling.Attach;

/// <summary>
/// A process's diagnostic socket as <see cref="DiagnosticSocketLocator"/> resolved it: what discovery hands a profiling
/// session, which opens this path again inside the process's root and connects to what it opened (<see cref="DiagnosticSocket"/>).
/// </summary>
/// <param name="HostPid">PID in the collector's PID namespace.</param>
/// <param name="StartTime">Field 22 of <c>/proc/&lt;pid&gt;/stat</c>: a PID that now names a process with another start time is a new process.</param>
/// <param name="NamespacePid">PID inside the process's own PID namespace (the one in the socket name).</param>
/// <param name="SocketPath">The socket as the collector reaches it, through <c>/proc/&lt;pid&gt;/root</c>, with no symbolic link on the way.</param>
internal sealed record DiagnosticEndpoint(int HostPid, ulong StartTime, int NamespacePid, string SocketPath);
