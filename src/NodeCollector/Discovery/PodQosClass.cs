namespace Flamewatch.NodeCollector.Discovery;

/// <summary>The pod's QoS class as its cgroup path shows it (guaranteed pods have no QoS level).</summary>
internal enum PodQosClass
{
    /// <summary>The path does not show it, e.g. a path relative to the reader's cgroup namespace (<c>/../pod&lt;uid&gt;/…</c>).</summary>
    Unknown,
    Guaranteed,
    Burstable,
    BestEffort,
}
