namespace Flamewatch.Kubernetes.Models;

/// <summary>core/v1 Pod: only the fields Flamewatch reads are typed; the rest round-trips untouched.</summary>
public sealed class Pod : KubeObject
{
    public PodSpec? Spec { get; set; }
    public PodStatus? Status { get; set; }
}

public sealed class PodSpec : KubeModel
{
    public string? NodeName { get; set; }
    public string? ServiceAccountName { get; set; }
    public bool? HostNetwork { get; set; }
    public string? RestartPolicy { get; set; }
    public string? SchedulerName { get; set; }
    public List<Container> Containers { get; set; } = [];
}

public sealed class Container : KubeModel
{
    public string? Name { get; set; }
    public string? Image { get; set; }
}

public sealed class PodStatus : KubeModel
{
    public string? Phase { get; set; }
    public string? PodIP { get; set; }
    public string? HostIP { get; set; }
    public string? NominatedNodeName { get; set; }
    public List<PodIP>? PodIPs { get; set; }
    public List<ContainerStatus>? ContainerStatuses { get; set; }
}

public sealed class PodIP : KubeModel
{
    public string? Ip { get; set; }
}

public sealed class ContainerStatus : KubeModel
{
    public string? Name { get; set; }
    public string? ContainerID { get; set; }
    public string? Image { get; set; }
    public bool? Ready { get; set; }
    public int? RestartCount { get; set; }
}
