namespace Flamewatch.NodeCollector.Discovery;

/// <summary>The container runtime named by a cgroup path or a container status ID.</summary>
internal enum ContainerRuntime
{
    /// <summary>The path carries a bare container ID (cgroupfs driver), which containerd and Docker both use.</summary>
    Unknown,
    Containerd,
    CriO,
    Docker,
}
