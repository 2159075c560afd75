namespace Flamewatch.NodeCollector.Discovery;

/// <summary>One rescan: what is there now, and how it differs from the previous scan.</summary>
/// <param name="Processes">Every .NET process of the requested pods, attachable or with diagnostics disabled.</param>
/// <param name="Added">In <paramref name="Processes"/> now but not in the previous scan.</param>
/// <param name="Removed">In the previous scan but not now: exited, or its pod is no longer requested.</param>
/// <param name="Skipped">Processes of the requested pods that are not .NET or not yet mapped to a container.</param>
/// <param name="Deferred">Processes whose inspection failed and waits for a retry.</param>
internal sealed record DiscoveryScan(
    IReadOnlyList<DiscoveredProcess> Processes,
    IReadOnlyList<DiscoveredProcess> Added,
    IReadOnlyList<DiscoveredProcess> Removed,
    IReadOnlyList<SkippedProcess> Skipped,
    IReadOnlyList<DeferredProcess> Deferred)
{
    /// <summary>The processes found in one pod (for per-pod reports such as "no .NET process").</summary>
    public IEnumerable<DiscoveredProcess> ForPod(string podUid) =>
        Processes.Where(p => string.Equals(p.PodUid, podUid, StringComparison.Ordinal));
}
