namespace Flamewatch.TestKit.SimulatedNodes;

/// <summary>A pod's QoS class, which decides the middle of its cgroup path.</summary>
public enum PodQos
{
    Guaranteed,
    Burstable,
    BestEffort,
}
