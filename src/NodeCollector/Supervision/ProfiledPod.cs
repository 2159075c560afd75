using Flamewatch.Contracts;
using Flamewatch.NodeCollector.Discovery;

namespace Flamewatch.NodeCollector.Supervision;

/// <summary>
/// A pod of this node that asks to be profiled (<c>flamewatch.io/enabled: "true"</c>), reduced to what the planner
/// needs: identity, effective settings (bad annotation values already replaced by defaults, and listed in
/// <see cref="Errors"/>), and its container statuses.
/// </summary>
internal sealed record ProfiledPod(
    string Uid,
    string Namespace,
    string Name,
    string NodeName,
    ProfilingSettings Settings,
    IReadOnlyList<SettingsError> Errors,
    IReadOnlyList<DiscoveryContainer> Containers)
{
    /// <summary>The pod as discovery looks for it.</summary>
    public DiscoveryPod ToDiscoveryPod() => new(Uid, Containers);

    /// <summary>True once some container has started (has a container ID): before that no process can be found.</summary>
    public bool HasStartedContainer => Containers.Any(c => !string.IsNullOrEmpty(c.ContainerId));
}
