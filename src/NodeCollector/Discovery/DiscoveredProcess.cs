using Flamewatch.Profiling.Attach;

namespace Flamewatch.NodeCollector.Discovery;

/// <summary>A .NET process of a requested pod, mapped to its container.</summary>
/// <param name="HostPid">PID in the host's (the collector's) PID namespace.</param>
/// <param name="NamespacePid">PID inside the container's PID namespace (the one in the socket name).</param>
/// <param name="StartTime">Field 22 of <c>/proc/&lt;pid&gt;/stat</c>, clock ticks since boot.</param>
/// <param name="ContainerId">Bare lower-case container ID, as in the cgroup path.</param>
/// <param name="ContainerName">The container's name from the pod's container statuses.</param>
/// <param name="Endpoint">For <see cref="DiagnosticsState.Available"/>: the socket, resolved inside the process's root; what a session connects to.</param>
/// <param name="TempDirectory">The process's TMPDIR inside its own root.</param>
internal sealed record DiscoveredProcess(
    int HostPid,
    int NamespacePid,
    ulong StartTime,
    string PodUid,
    string ContainerId,
    string ContainerName,
    ContainerRuntime Runtime,
    DiagnosticsState Diagnostics,
    DiagnosticEndpoint? Endpoint,
    string TempDirectory)
{
    public ProcessKey Key => new(HostPid, StartTime);

    public string? DiagnosticSocketPath => Endpoint?.SocketPath;
}
