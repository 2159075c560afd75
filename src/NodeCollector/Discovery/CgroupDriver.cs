namespace Flamewatch.NodeCollector.Discovery;

/// <summary>How the kubelet named the pod's cgroup.</summary>
internal enum CgroupDriver
{
    /// <summary><c>kubepods/&lt;qos&gt;/pod&lt;uid&gt;/&lt;container&gt;</c>.</summary>
    Cgroupfs,

    /// <summary><c>kubepods.slice/kubepods-&lt;qos&gt;.slice/kubepods-&lt;qos&gt;-pod&lt;uid_&gt;.slice/&lt;runtime&gt;-&lt;id&gt;.scope</c>.</summary>
    Systemd,
}
