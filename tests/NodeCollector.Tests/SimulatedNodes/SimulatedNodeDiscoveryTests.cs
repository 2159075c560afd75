using Flamewatch.NodeCollector.Discovery;
using Flamewatch.Profiling.Os;
using Flamewatch.TestKit.SimulatedNodes;

namespace Flamewatch.NodeCollector.Tests.SimulatedNodes;

/// <summary>Discovery against real processes in their own PID/mount namespaces and kubelet-named cgroups (as root).</summary>
public sealed class SimulatedNodeDiscoveryTests(SimulatedNodeFixture fixture) : IClassFixture<SimulatedNodeFixture>
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromSeconds(60);

    [SimulatedNodeFact]
    public async Task Maps_each_dotnet_process_to_its_pod_container_and_socket()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var discovery = NewDiscovery();

        var scan = await discovery.ScanAsync([fixture.PodA.ToDiscoveryPod(), fixture.PodB.ToDiscoveryPod()], timeout.Token);

        var app = Assert.Single(scan.Processes, p => p.HostPid == fixture.App.HostPid);
        Assert.Equal((fixture.PodA.Uid, fixture.App.Id, "app", ContainerRuntime.Containerd, DiagnosticsState.Available),
            (app.PodUid, app.ContainerId, app.ContainerName, app.Runtime, app.Diagnostics));
        Assert.Equal(1, app.NamespacePid);
        Assert.Equal("/tmp", app.TempDirectory);
        var socketName = $"dotnet-diagnostic-1-{ProcFs.Host.ReadStat(app.HostPid)!.Value.StartTime}-socket";
        Assert.Equal($"/proc/{app.HostPid}/root/tmp/{socketName}", app.DiagnosticSocketPath);
        Assert.True(File.Exists(app.DiagnosticSocketPath));
        Assert.False(File.Exists("/tmp/" + socketName), "the socket lives in the container's private /tmp, not the host's");

        var worker = Assert.Single(scan.Processes, p => p.HostPid == fixture.Worker.HostPid);
        Assert.Equal((fixture.PodB.Uid, fixture.Worker.Id, "worker", DiagnosticsState.Available),
            (worker.PodUid, worker.ContainerId, worker.ContainerName, worker.Diagnostics));
        Assert.Equal(fixture.Worker.TempDirectory, worker.TempDirectory);
        Assert.StartsWith($"/proc/{worker.HostPid}/root{fixture.Worker.TempDirectory}/dotnet-diagnostic-1-", worker.DiagnosticSocketPath);
        Assert.False(Directory.EnumerateFileSystemEntries(fixture.Worker.TempDirectory).Any(), "the worker's TMPDIR is a private tmpfs");

        Assert.Equal(scan.Processes.Select(p => p.HostPid).Order(), scan.Added.Select(p => p.HostPid).Order());
        Assert.Empty(scan.Removed);
        Assert.Empty(scan.Deferred);
    }

    [SimulatedNodeFact]
    public void The_pods_use_both_kubelet_cgroup_drivers()
    {
        var systemd = CgroupParser.Parse(ProcFs.Host.ReadCgroup(fixture.App.HostPid));
        var cgroupfs = CgroupParser.Parse(ProcFs.Host.ReadCgroup(fixture.Worker.HostPid));

        Assert.Equal(new CgroupIdentity(fixture.PodA.Uid, fixture.App.Id, ContainerRuntime.Containerd, CgroupDriver.Systemd, PodQosClass.Burstable), systemd);
        Assert.Equal(new CgroupIdentity(fixture.PodB.Uid, fixture.Worker.Id, ContainerRuntime.Unknown, CgroupDriver.Cgroupfs, PodQosClass.BestEffort), cgroupfs);
    }

    [SimulatedNodeFact]
    public async Task Skips_a_process_that_is_not_dotnet_quietly()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var discovery = NewDiscovery();

        var scan = await discovery.ScanAsync([fixture.PodA.ToDiscoveryPod()], timeout.Token);

        var skipped = Assert.Single(scan.Skipped, s => s.HostPid == fixture.Sidecar.HostPid);
        Assert.Equal((fixture.PodA.Uid, fixture.Sidecar.Id, SkipReason.NotDotNet), (skipped.PodUid, skipped.ContainerId, skipped.Reason));
        Assert.DoesNotContain(scan.Processes, p => p.HostPid == fixture.Sidecar.HostPid);
        Assert.Empty(scan.Deferred);
    }

    [SimulatedNodeFact]
    public async Task Reports_a_dotnet_process_with_diagnostics_disabled()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var discovery = NewDiscovery();

        var scan = await discovery.ScanAsync([fixture.PodB.ToDiscoveryPod()], timeout.Token);

        var quiet = Assert.Single(scan.Processes, p => p.HostPid == fixture.Quiet.HostPid);
        Assert.Equal((DiagnosticsState.Disabled, "quiet", 1), (quiet.Diagnostics, quiet.ContainerName, quiet.NamespacePid));
        Assert.Null(quiet.DiagnosticSocketPath);
    }

    [SimulatedNodeFact]
    public async Task Looks_only_at_the_requested_pods()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var discovery = NewDiscovery();

        var scan = await discovery.ScanAsync([fixture.PodA.ToDiscoveryPod()], timeout.Token);

        Assert.All(scan.Processes, p => Assert.Equal(fixture.PodA.Uid, p.PodUid));
        Assert.Equal([fixture.App.HostPid], scan.ForPod(fixture.PodA.Uid).Select(p => p.HostPid));
        Assert.Empty(scan.ForPod(fixture.PodB.Uid));
        var notRequested = new[] { fixture.Worker.HostPid, fixture.Quiet.HostPid, fixture.Other.HostPid };
        Assert.DoesNotContain(scan.Skipped, s => notRequested.Contains(s.HostPid));
    }

    [SimulatedNodeFact]
    public async Task A_container_missing_from_the_pod_status_is_not_attributed()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var discovery = NewDiscovery();
        var withoutApp = new DiscoveryPod(fixture.PodA.Uid, [new DiscoveryContainer("sidecar", fixture.Sidecar.StatusContainerId)]);

        var scan = await discovery.ScanAsync([withoutApp], timeout.Token);

        Assert.DoesNotContain(scan.Processes, p => p.HostPid == fixture.App.HostPid);
        var skipped = Assert.Single(scan.Skipped, s => s.HostPid == fixture.App.HostPid);
        Assert.Equal(SkipReason.UnknownContainer, skipped.Reason);
    }

    [SimulatedNodeFact]
    public async Task Rescans_find_new_processes_and_drop_killed_ones()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var discovery = NewDiscovery();
        var pod = fixture.Node.AddPod(KubeletCgroupDriver.Systemd, PodQos.BestEffort);
        var first = await fixture.Node.StartContainerAsync(pod, "first", ContainerProgram.DotNet, null, timeout.Token);

        var before = await discovery.ScanAsync([pod.ToDiscoveryPod()], timeout.Token);
        var second = await fixture.Node.StartContainerAsync(pod, "second", ContainerProgram.DotNet, null, timeout.Token);
        var afterStart = await discovery.ScanAsync([pod.ToDiscoveryPod()], timeout.Token);
        await first.KillAsync(timeout.Token);
        var afterKill = await discovery.ScanAsync([pod.ToDiscoveryPod()], timeout.Token);
        var steady = await discovery.ScanAsync([pod.ToDiscoveryPod()], timeout.Token);

        Assert.Equal([first.HostPid], before.Added.Select(p => p.HostPid));
        Assert.Equal([second.HostPid], afterStart.Added.Select(p => p.HostPid));
        Assert.Empty(afterStart.Removed);
        Assert.Equal([first.HostPid], afterKill.Removed.Select(p => p.HostPid));
        Assert.Equal([second.HostPid], afterKill.Processes.Select(p => p.HostPid));
        Assert.Empty(afterKill.Added);
        Assert.Empty(steady.Added);
        Assert.Empty(steady.Removed);
        Assert.Equal([second.HostPid], steady.Processes.Select(p => p.HostPid));
    }

    [SimulatedNodeFact]
    public async Task A_pod_no_longer_requested_drops_its_processes()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        using var discovery = NewDiscovery();

        await discovery.ScanAsync([fixture.PodA.ToDiscoveryPod(), fixture.PodB.ToDiscoveryPod()], timeout.Token);
        var scan = await discovery.ScanAsync([fixture.PodA.ToDiscoveryPod()], timeout.Token);

        Assert.Equal(new[] { fixture.Worker.HostPid, fixture.Quiet.HostPid }.Order(), scan.Removed.Select(p => p.HostPid).Order());
        Assert.Empty(scan.Added);
    }

    private static ProcessDiscovery NewDiscovery() =>
        new(ProcFs.Host, new ProcessDiscoveryOptions { ProbeTimeout = TimeSpan.FromSeconds(10) }, TimeProvider.System);
}
