namespace Flamewatch.NodeCollector.Discovery;

/// <summary>
/// What a process's cgroup path says about it: the pod (UID in its API form, with dashes) and, when the
/// process runs in a container's cgroup, the container ID (lower-case hex, without the runtime prefix).
/// </summary>
internal sealed record CgroupIdentity(
    string PodUid,
    string? ContainerId,
    ContainerRuntime Runtime,
    CgroupDriver Driver,
    PodQosClass QosClass);
