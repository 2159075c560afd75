namespace Flamewatch.NodeCollector.Discovery;

/// <summary>
/// A pod whose processes discovery should look for: its UID (<c>metadata.uid</c>) and its container statuses,
/// regular, init and ephemeral alike, which name the containers found in cgroup paths.
/// </summary>
internal sealed record DiscoveryPod(string Uid, IReadOnlyList<DiscoveryContainer> Containers)
{
    /// <summary>The container whose status ID equals <paramref name="containerId"/> (bare lower-case hex), if any.</summary>
    public DiscoveryContainer? FindContainer(string containerId, out ContainerRuntime runtime)
    {
        foreach (var container in Containers)
        {
            if (DiscoveryContainer.TryParseContainerId(container.ContainerId, out var id, out runtime) &&
                string.Equals(id, containerId, StringComparison.Ordinal))
            {
                return container;
            }
        }

        runtime = ContainerRuntime.Unknown;
        return null;
    }
}
