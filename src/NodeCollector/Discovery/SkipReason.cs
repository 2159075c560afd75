namespace Flamewatch.NodeCollector.Discovery;

/// <summary>Why a process of a requested pod is not in <see cref="DiscoveryScan.Processes"/>.</summary>
internal enum SkipReason
{
    /// <summary>No diagnostic socket: not a .NET process (or one still starting). Skipped quietly.</summary>
    NotDotNet,

    /// <summary>The cgroup names a container the pod's statuses do not list yet (a container just started); looked at again next scan.</summary>
    UnknownContainer,

    /// <summary>The process sits in the pod's cgroup but in no container's (e.g. the pod-level cgroup itself).</summary>
    NoContainer,
}
