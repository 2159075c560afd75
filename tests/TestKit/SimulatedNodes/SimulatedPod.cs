namespace Flamewatch.TestKit.SimulatedNodes;

/// <summary>A pod on the simulated node: a UID and the cgroup layout its kubelet driver gives it.</summary>
public sealed class SimulatedPod(string uid, KubeletCgroupDriver driver, PodQos qos)
{
    private readonly List<SimulatedContainer> _containers = [];

    public string Uid { get; } = uid;

    public KubeletCgroupDriver Driver { get; } = driver;

    public PodQos Qos { get; } = qos;

    public IReadOnlyList<SimulatedContainer> Containers => _containers;

    internal void Add(SimulatedContainer container) => _containers.Add(container);

    /// <summary>The container's cgroup, relative to the hierarchy root, named as the kubelet and containerd name it.</summary>
    internal string CgroupPath(string containerId)
    {
        var qos = Qos switch
        {
            PodQos.Burstable => "burstable",
            PodQos.BestEffort => "besteffort",
            _ => null,
        };

        if (Driver == KubeletCgroupDriver.Systemd)
        {
            var podSlice = (qos is null ? "kubepods" : "kubepods-" + qos) + "-pod" + Uid.Replace('-', '_') + ".slice";
            return qos is null
                ? $"kubepods.slice/{podSlice}/cri-containerd-{containerId}.scope"
                : $"kubepods.slice/kubepods-{qos}.slice/{podSlice}/cri-containerd-{containerId}.scope";
        }

        return qos is null ? $"kubepods/pod{Uid}/{containerId}" : $"kubepods/{qos}/pod{Uid}/{containerId}";
    }
}
