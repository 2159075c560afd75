using Flamewatch.NodeCollector.Discovery;

namespace Flamewatch.NodeCollector.Tests;

public sealed class CgroupParserTests
{
    private const string Uid = "3f5a9c2e-1b7d-4e8f-a0c1-9d2b6e4f7a18";
    private const string UidUnderscored = "3f5a9c2e_1b7d_4e8f_a0c1_9d2b6e4f7a18";
    private const string Id = "9e1c3b7f2a4d6e8f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a";
    private const string StaticPodHash = "6d4f1e0b8a2c47d59e3f1a0b2c4d6e8f";

    /// <summary>A named layout and what it must parse to (pod UID null: no pod).</summary>
    internal sealed record Case(
        string Name, string Content, string? PodUid, string? ContainerId = null,
        ContainerRuntime Runtime = ContainerRuntime.Unknown, CgroupDriver Driver = CgroupDriver.Cgroupfs, PodQosClass Qos = PodQosClass.Unknown)
    {
        public override string ToString() => Name;
    }

    private static readonly Case[] s_cases =
    [
        // cgroup v2, systemd driver (kubeadm / GKE / EKS defaults)
        new("v2 systemd containerd burstable",
            $"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UidUnderscored}.slice/cri-containerd-{Id}.scope\n",
            Uid, Id, ContainerRuntime.Containerd, CgroupDriver.Systemd, PodQosClass.Burstable),
        new("v2 systemd containerd besteffort",
            $"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UidUnderscored}.slice/cri-containerd-{Id}.scope\n",
            Uid, Id, ContainerRuntime.Containerd, CgroupDriver.Systemd, PodQosClass.BestEffort),
        new("v2 systemd containerd guaranteed (no QoS level)",
            $"0::/kubepods.slice/kubepods-pod{UidUnderscored}.slice/cri-containerd-{Id}.scope\n",
            Uid, Id, ContainerRuntime.Containerd, CgroupDriver.Systemd, PodQosClass.Guaranteed),
        new("v2 systemd CRI-O (OpenShift)",
            $"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UidUnderscored}.slice/crio-{Id}.scope\n",
            Uid, Id, ContainerRuntime.CriO, CgroupDriver.Systemd, PodQosClass.Burstable),
        new("v2 systemd CRI-O conmon is not the container",
            $"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UidUnderscored}.slice/crio-conmon-{Id}.scope\n",
            Uid, null, ContainerRuntime.Unknown, CgroupDriver.Systemd, PodQosClass.Burstable),
        new("v2 systemd cri-dockerd",
            $"0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UidUnderscored}.slice/docker-{Id}.scope\n",
            Uid, Id, ContainerRuntime.Docker, CgroupDriver.Systemd, PodQosClass.BestEffort),
        new("v2 systemd nested kubelet (kind --cgroup-root=/kubelet)",
            $"0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod{UidUnderscored}.slice/cri-containerd-{Id}.scope\n",
            Uid, Id, ContainerRuntime.Containerd, CgroupDriver.Systemd, PodQosClass.BestEffort),
        new("v2 systemd seen from a private cgroup namespace (relative path)",
            $"0::/../../kubepods-burstable-pod{UidUnderscored}.slice/cri-containerd-{Id}.scope\n",
            Uid, Id, ContainerRuntime.Containerd, CgroupDriver.Systemd, PodQosClass.Burstable),
        new("v2 containerd without systemd, colon form",
            $"0::/system.slice/containerd.service/kubepods-burstable-pod{UidUnderscored}.slice:cri-containerd:{Id}\n",
            Uid, Id, ContainerRuntime.Containerd, CgroupDriver.Systemd, PodQosClass.Burstable),
        new("v2 process in a child cgroup of the container (systemd inside)",
            $"0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UidUnderscored}.slice/cri-containerd-{Id}.scope/init.scope\n",
            Uid, Id, ContainerRuntime.Containerd, CgroupDriver.Systemd, PodQosClass.Burstable),

        // cgroup v2, cgroupfs driver (k3s, minikube)
        new("v2 cgroupfs burstable",
            $"0::/kubepods/burstable/pod{Uid}/{Id}\n",
            Uid, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Burstable),
        new("v2 cgroupfs guaranteed",
            $"0::/kubepods/pod{Uid}/{Id}\n",
            Uid, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Guaranteed),
        new("v2 cgroupfs CRI-O",
            $"0::/kubepods/besteffort/pod{Uid}/crio-{Id}\n",
            Uid, Id, ContainerRuntime.CriO, CgroupDriver.Cgroupfs, PodQosClass.BestEffort),
        new("v2 cgroupfs relative to a private cgroup namespace",
            $"0::/../../pod{Uid}/{Id}\n",
            Uid, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Unknown),
        new("v2 static pod (config hash as UID)",
            $"0::/kubepods/burstable/pod{StaticPodHash}/{Id}\n",
            StaticPodHash, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Burstable),
        new("v2 process in the pod cgroup itself",
            $"0::/kubepods/burstable/pod{Uid}\n",
            Uid, null, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Burstable),

        // cgroup v1
        new("v1 cgroupfs Docker, all controllers",
            string.Join('\n', new[] { "12:pids", "11:memory", "10:cpu,cpuacct", "9:devices", "1:name=systemd" }
                .Select(c => $"{c}:/kubepods/burstable/pod{Uid}/{Id}")) + "\n",
            Uid, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Burstable),
        new("v1 systemd Docker",
            $"11:memory:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UidUnderscored}.slice/docker-{Id}.scope\n" +
            $"1:name=systemd:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UidUnderscored}.slice/docker-{Id}.scope\n",
            Uid, Id, ContainerRuntime.Docker, CgroupDriver.Systemd, PodQosClass.BestEffort),
        new("v1 kind node inside Docker (nested prefix)",
            $"4:memory:/docker/{new string('a', 64)}/kubepods/besteffort/pod{Uid}/{Id}\n",
            Uid, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.BestEffort),
        new("hybrid: v2 line at root, v1 lines name the container",
            $"8:pids:/kubepods/burstable/pod{Uid}/{Id}\n4:memory:/kubepods/burstable/pod{Uid}/{Id}\n0::/\n",
            Uid, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Burstable),
        new("a line naming the container wins over a pod-only line",
            $"3:cpuset:/kubepods/burstable/pod{Uid}\n4:memory:/kubepods/burstable/pod{Uid}/{Id}\n",
            Uid, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Burstable),
        new("CRLF line endings",
            $"0::/kubepods/pod{Uid}/{Id}\r\n",
            Uid, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Guaranteed),

        // not in a pod
        new("host process under systemd", "0::/system.slice/containerd.service\n", null),
        new("host process at the root", "0::/\n", null),
        new("init scope and user session", "0::/init.scope\n1:name=systemd:/user.slice/user-0.slice/session-1.scope\n", null),
        new("plain Docker container, not Kubernetes", $"0::/system.slice/docker-{Id}.scope\n", null),
        new("podman pod, not Kubernetes", $"0::/machine.slice/machine-libpod_pod_{Id}.slice/libpod-{Id}.scope/container\n", null),
        new("kubepods QoS slice without a pod", "0::/kubepods.slice/kubepods-burstable.slice\n", null),

        // malformed
        new("empty file", "", null),
        new("garbage only", "this is not a cgroup file\n\n::\n", null),
        new("line without path separator", $"0:kubepods/burstable/pod{Uid}/{Id}\n", null),
        new("non-numeric hierarchy ID", $"x::/kubepods/burstable/pod{Uid}/{Id}\n", null),
        new("relative path without leading slash", $"0::kubepods/burstable/pod{Uid}/{Id}\n", null),
        new("truncated UID", $"0::/kubepods/burstable/pod{Uid[..20]}/{Id}\n", null),
        new("upper-case UID is not a kubelet name", $"0::/kubepods/burstable/pod{Uid.ToUpperInvariant()}/{Id}\n", null),
        new("malformed lines around a valid one",
            $"garbage\n:::\n5:devices\n0::/kubepods/besteffort/pod{Uid}/{Id}\n\u0000\n",
            Uid, Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.BestEffort),
        new("short container ID is ignored, pod kept",
            $"0::/kubepods/burstable/pod{Uid}/{Id[..12]}\n",
            Uid, null, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.Burstable),
        new("colon form with an extra field",
            $"0::/kubepods-burstable-pod{UidUnderscored}.slice:cri-containerd:{Id}:extra\n", null),
    ];

    public static TheoryData<string> CaseNames => new(s_cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Parses_kubelet_layouts(string name)
    {
        var c = s_cases.Single(c => c.Name == name);
        var identity = CgroupParser.Parse(c.Content);

        if (c.PodUid is null)
        {
            Assert.Null(identity);
            return;
        }

        Assert.NotNull(identity);
        Assert.Equal(new CgroupIdentity(c.PodUid, c.ContainerId, c.Runtime, c.Driver, c.Qos), identity);
    }

    [Fact]
    public void Case_names_are_unique()
    {
        Assert.Equal(s_cases.Length, s_cases.Select(c => c.Name).Distinct().Count());
        Assert.True(s_cases.Length >= 20);
    }

    [Fact]
    public void Null_content_is_no_pod() => Assert.Null(CgroupParser.Parse(null));

    [Theory]
    [InlineData("containerd://" + Id, nameof(ContainerRuntime.Containerd))]
    [InlineData("cri-o://" + Id, nameof(ContainerRuntime.CriO))]
    [InlineData("docker://" + Id, nameof(ContainerRuntime.Docker))]
    [InlineData("CONTAINERD://" + Id, nameof(ContainerRuntime.Containerd))]
    [InlineData(Id, nameof(ContainerRuntime.Unknown))]
    public void Container_status_IDs_match_cgroup_IDs(string statusId, string expectedRuntime)
    {
        Assert.True(DiscoveryContainer.TryParseContainerId(statusId, out var id, out var runtime));
        Assert.Equal(Id, id);
        Assert.Equal(expectedRuntime, runtime.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("containerd://")]
    [InlineData("containerd://not-hex")]
    public void Container_status_IDs_that_are_not_IDs_are_rejected(string? statusId) =>
        Assert.False(DiscoveryContainer.TryParseContainerId(statusId, out _, out _));
}
