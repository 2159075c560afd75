using Flamewatch.NodeCollector.Discovery;
using Flamewatch.TestKit.SimulatedNodes;

namespace Flamewatch.NodeCollector.Tests.SimulatedNodes;

/// <summary>The attach probe against real runtimes in other PID and mount namespaces.</summary>
public sealed class SimulatedNodeAttachTests(SimulatedNodeFixture fixture) : IClassFixture<SimulatedNodeFixture>
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(20);

    private readonly AttachProbe _probe = new(ProcFs.Host, TimeProvider.System);

    [SimulatedNodeFact]
    public async Task Attaches_across_namespaces_and_reads_the_runtime_version()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var app = await _probe.ProbeAsync(fixture.App.HostPid, s_probeTimeout, null, timeout.Token);
        var worker = await _probe.ProbeAsync(fixture.Worker.HostPid, s_probeTimeout, null, timeout.Token);

        foreach (var result in new[] { app, worker })
        {
            Assert.True(result.Outcome == AttachOutcome.Attached, result.Detail);
            Assert.Equal(AttachMethod.ProcessId, result.Method);
            Assert.StartsWith(Environment.Version.ToString(), result.RuntimeVersion);
            Assert.NotEqual(Guid.Empty, result.RuntimeInstanceCookie);
        }

        Assert.NotEqual(app.RuntimeInstanceCookie, worker.RuntimeInstanceCookie);
        Assert.Contains(fixture.Worker.TempDirectory, worker.DiagnosticSocketPath);
    }

    [SimulatedNodeFact]
    public async Task Attaches_through_the_discovered_socket_path()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var discovery = new ProcessDiscovery(ProcFs.Host, new ProcessDiscoveryOptions(), TimeProvider.System);
        var scan = await discovery.ScanAsync([fixture.PodA.ToDiscoveryPod()], timeout.Token);
        var app = Assert.Single(scan.Processes, p => p.HostPid == fixture.App.HostPid);

        var result = await AttachProbe.ProbeSocketAsync(app.DiagnosticSocketPath!, timeout.Token);

        Assert.Equal(AttachOutcome.Attached, result.Outcome);
        Assert.Equal(AttachMethod.DiagnosticPort, result.Method);
        Assert.StartsWith(Environment.Version.ToString(), result.RuntimeVersion);
    }

    [SimulatedNodeFact]
    public async Task Reports_why_a_process_cannot_be_attached()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var cat = await _probe.ProbeAsync(fixture.Sidecar.HostPid, s_probeTimeout, null, timeout.Token);
        var quiet = await _probe.ProbeAsync(fixture.Quiet.HostPid, s_probeTimeout, null, timeout.Token);

        Assert.Equal(AttachOutcome.NoDiagnosticSocket, cat.Outcome);
        Assert.Equal(AttachOutcome.DiagnosticsDisabled, quiet.Outcome);
        Assert.Contains("DOTNET_EnableDiagnostics=0", quiet.Detail);
    }

    [SimulatedNodeFact]
    public async Task Attaches_to_an_app_that_runs_as_another_user()
    {
        // The runtime makes its socket owner-only (0600) for the app's UID; root reaches it through DAC override.
        const int appUid = 65534;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var pod = fixture.Node.AddPod(KubeletCgroupDriver.Systemd, PodQos.BestEffort);
        var container = await fixture.Node.StartContainerAsync(pod, "nonroot", ContainerProgram.DotNet, null, timeout.Token, runAsUid: appUid);
        using var discovery = new ProcessDiscovery(ProcFs.Host, new ProcessDiscoveryOptions(), TimeProvider.System);

        var scan = await discovery.ScanAsync([pod.ToDiscoveryPod()], timeout.Token);
        var process = Assert.Single(scan.Processes);
        var result = await _probe.ProbeAsync(process, s_probeTimeout, timeout.Token);

        Assert.Equal(container.HostPid, process.HostPid);
        Assert.Equal($"socket 600 {appUid}", FileTypeModeAndOwner(process.DiagnosticSocketPath!));
        Assert.True(result.Outcome == AttachOutcome.Attached, result.Detail);
    }

    [SimulatedNodeFact]
    public async Task Reports_a_killed_process_as_exited()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var pod = fixture.Node.AddPod(KubeletCgroupDriver.Cgroupfs, PodQos.Burstable);
        var container = await fixture.Node.StartContainerAsync(pod, "doomed", ContainerProgram.DotNet, null, timeout.Token);
        var startTime = ProcFs.Host.ReadStat(container.HostPid)!.Value.StartTime;

        await container.KillAsync(timeout.Token);
        var result = await _probe.ProbeAsync(container.HostPid, s_probeTimeout, startTime, timeout.Token);

        Assert.Equal(AttachOutcome.Exited, result.Outcome);
    }

    private static string FileTypeModeAndOwner(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%F %a %u", path]) { RedirectStandardOutput = true })!;
        var owner = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return owner;
    }
}
