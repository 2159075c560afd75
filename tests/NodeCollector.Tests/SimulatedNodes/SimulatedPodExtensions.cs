using Flamewatch.NodeCollector.Discovery;
using Flamewatch.TestKit.SimulatedNodes;

namespace Flamewatch.NodeCollector.Tests.SimulatedNodes;

internal static class SimulatedPodExtensions
{
    /// <summary>The pod as the Kubernetes API shows it to discovery: UID and <c>containerd://</c> container statuses.</summary>
    public static DiscoveryPod ToDiscoveryPod(this SimulatedPod pod) =>
        new(pod.Uid, pod.Containers.Select(c => new DiscoveryContainer(c.Name, c.StatusContainerId)).ToList());
}
