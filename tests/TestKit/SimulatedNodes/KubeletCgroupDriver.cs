namespace Flamewatch.TestKit.SimulatedNodes;

/// <summary>How the kubelet names a pod's cgroups.</summary>
public enum KubeletCgroupDriver
{
    /// <summary><c>kubepods.slice/kubepods-&lt;qos&gt;.slice/kubepods-&lt;qos&gt;-pod&lt;uid_&gt;.slice/cri-containerd-&lt;id&gt;.scope</c> (cgroup v2).</summary>
    Systemd,

    /// <summary><c>kubepods/&lt;qos&gt;/pod&lt;uid&gt;/&lt;id&gt;</c> (cgroup v1 where the host mounts it, else v2).</summary>
    Cgroupfs,
}
