using Flamewatch.NodeCollector.Discovery;

namespace Flamewatch.NodeCollector.Tests.SimulatedNode;

/// <summary>A pod on the simulated node: a UID and the cgroup layout its kubelet driver gives it.</summary>
internal sealed class SimulatedPod(string uid, CgroupDriver driver, PodQosClass qos)
{
    private readonly List<SimulatedContainer> _containers = [];

    public string Uid { get; } = uid;

    public CgroupDriver Driver { get; } = driver;

    public PodQosClass Qos { get; } = qos;

    public IReadOnlyList<SimulatedContainer> Containers => _containers;

    /// <summary>The pod as the Kubernetes API shows it to discovery: UID and <c>containerd://</c> container statuses.</summary>
    public DiscoveryPod ToDiscoveryPod() =>
        new(Uid, _containers.Select(c => new DiscoveryContainer(c.Name, "containerd://" + c.Id)).ToList());

    internal void Add(SimulatedContainer container) => _containers.Add(container);

    /// <summary>The container's cgroup, relative to the hierarchy root, named as the kubelet and containerd name it.</summary>
    internal string CgroupPath(string containerId)
    {
        var qos = Qos switch
        {
            PodQosClass.Burstable => "burstable",
            PodQosClass.BestEffort => "besteffort",
            _ => null,
        };

        if (Driver == CgroupDriver.Systemd)
        {
            var podSlice = (qos is null ? "kubepods" : "kubepods-" + qos) + "-pod" + Uid.Replace('-', '_') + ".slice";
            return qos is null
                ? $"kubepods.slice/{podSlice}/cri-containerd-{containerId}.scope"
                : $"kubepods.slice/kubepods-{qos}.slice/{podSlice}/cri-containerd-{containerId}.scope";
        }

        return qos is null ? $"kubepods/pod{Uid}/{containerId}" : $"kubepods/{qos}/pod{Uid}/{containerId}";
    }
}
