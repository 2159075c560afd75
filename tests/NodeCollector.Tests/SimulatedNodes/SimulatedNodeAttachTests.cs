using System.Net.Sockets;
using Flamewatch.NodeCollector.Discovery;
using Flamewatch.Profiling.Attach;
using Flamewatch.Profiling.Os;
using Flamewatch.TestKit.SimulatedNodes;

namespace Flamewatch.NodeCollector.Tests.SimulatedNodes;

/// <summary>Attaching to real runtimes in other PID and mount namespaces, through the socket discovery resolved.</summary>
public sealed class SimulatedNodeAttachTests(SimulatedNodeFixture fixture) : IClassFixture<SimulatedNodeFixture>
{
    [SimulatedNodeFact]
    public async Task Attaches_across_namespaces_through_the_discovered_socket_and_reads_the_runtime_version()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var scan = await ScanAsync([fixture.PodA.ToDiscoveryPod(), fixture.PodB.ToDiscoveryPod()], timeout.Token);
        var app = Assert.Single(scan.Processes, p => p.HostPid == fixture.App.HostPid);
        var worker = Assert.Single(scan.Processes, p => p.HostPid == fixture.Worker.HostPid);

        foreach (var endpoint in new[] { app.Endpoint!, worker.Endpoint! })
        {
            var result = await TargetAttacher.AttachAsync(ProcFs.Host, endpoint, timeout.Token);
            Assert.True(result.Succeeded, result.Message);
            Assert.StartsWith(Environment.Version.ToString(), result.Runtime?.Text);
        }

        Assert.Contains(fixture.Worker.TempDirectory, worker.DiagnosticSocketPath);
    }

    [SimulatedNodeFact]
    public async Task Attaching_by_PID_looks_the_socket_up_the_same_way()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var worker = await TargetAttacher.AttachAsync(ProcFs.Host, fixture.Worker.HostPid, timeout.Token);
        var cat = await TargetAttacher.AttachAsync(ProcFs.Host, fixture.Sidecar.HostPid, timeout.Token);
        var quiet = await TargetAttacher.AttachAsync(ProcFs.Host, fixture.Quiet.HostPid, timeout.Token);

        Assert.True(worker.Succeeded, worker.Message);
        Assert.Equal(AttachOutcome.NotDotNet, cat.Outcome);
        Assert.Equal(AttachOutcome.DiagnosticsDisabled, quiet.Outcome);
        Assert.Contains("DOTNET_EnableDiagnostics=0", quiet.Message);
    }

    [SimulatedNodeFact]
    public async Task Attaches_to_an_app_that_runs_as_another_user()
    {
        // The runtime makes its socket owner-only (0600) for the app's UID; root reaches it through DAC override.
        const int appUid = 65534;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var pod = fixture.Node.AddPod(KubeletCgroupDriver.Systemd, PodQos.BestEffort);
        var container = await fixture.Node.StartContainerAsync(pod, "nonroot", ContainerProgram.DotNet, null, timeout.Token, runAsUid: appUid);

        var process = Assert.Single((await ScanAsync([pod.ToDiscoveryPod()], timeout.Token)).Processes);
        var result = await TargetAttacher.AttachAsync(ProcFs.Host, process.Endpoint!, timeout.Token);

        Assert.Equal(container.HostPid, process.HostPid);
        Assert.Equal($"socket 600 {appUid}", FileTypeModeAndOwner(process.DiagnosticSocketPath!));
        Assert.True(result.Succeeded, result.Message);
    }

    [SimulatedNodeFact]
    public async Task A_discovered_process_that_was_killed_has_exited()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var pod = fixture.Node.AddPod(KubeletCgroupDriver.Cgroupfs, PodQos.Burstable);
        await fixture.Node.StartContainerAsync(pod, "doomed", ContainerProgram.DotNet, null, timeout.Token);
        var process = Assert.Single((await ScanAsync([pod.ToDiscoveryPod()], timeout.Token)).Processes);

        await pod.Containers[0].KillAsync(timeout.Token);
        var result = await TargetAttacher.AttachAsync(ProcFs.Host, process.Endpoint!, timeout.Token);

        Assert.Equal(AttachOutcome.ProcessExited, result.Outcome);
    }

    [SimulatedNodeFact]
    public async Task A_container_whose_socket_links_to_the_host_reaches_nothing_on_the_host()
    {
        // The container's owner replaces its runtime's socket by a link to a socket of the host.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var pod = fixture.Node.AddPod(KubeletCgroupDriver.Systemd, PodQos.BestEffort);
        var container = await fixture.Node.StartContainerAsync(pod, "hostile", ContainerProgram.DotNet, null, timeout.Token);
        var socket = Assert.Single((await ScanAsync([pod.ToDiscoveryPod()], timeout.Token)).Processes).DiagnosticSocketPath!;
        await using var host = HostListener.Start(Path.GetFileName(socket));
        File.Delete(socket);
        File.CreateSymbolicLink(socket, host.Path);

        var scan = await ScanAsync([pod.ToDiscoveryPod()], timeout.Token);
        var attach = await TargetAttacher.AttachAsync(ProcFs.Host, container.HostPid, timeout.Token);

        Assert.DoesNotContain(scan.Processes, p => p.HostPid == container.HostPid);
        Assert.Equal(AttachOutcome.NoDiagnosticSocket, attach.Outcome);
        Assert.Equal(0, host.Connections);
        await host.AssertReachableAsync(socket, timeout.Token); // the bait works: connecting by that path lands on the host
    }

    [SimulatedNodeFact]
    public async Task A_container_whose_TMPDIR_links_to_a_host_directory_reaches_nothing_on_the_host()
    {
        // TMPDIR=/tmp/escape, which the container's owner makes a link to a host directory holding a socket named as its own.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var pod = fixture.Node.AddPod(KubeletCgroupDriver.Cgroupfs, PodQos.BestEffort);
        var container = await fixture.Node.StartContainerAsync(pod, "hostile", ContainerProgram.DotNet, null, timeout.Token,
            environment: new Dictionary<string, string> { ["TMPDIR"] = "/tmp/escape" });
        var startTime = ProcFs.Host.ReadStat(container.HostPid)!.Value.StartTime;
        await using var host = HostListener.Start(DiagnosticSocketLocator.SocketName(1, startTime));
        var escape = $"/proc/{container.HostPid}/root/tmp/escape";
        Directory.CreateSymbolicLink(escape, Path.GetDirectoryName(host.Path)!);

        var scan = await ScanAsync([pod.ToDiscoveryPod()], timeout.Token);
        var attach = await TargetAttacher.AttachAsync(ProcFs.Host, container.HostPid, timeout.Token);

        Assert.DoesNotContain(scan.Processes, p => p.HostPid == container.HostPid);
        Assert.Equal(AttachOutcome.NoDiagnosticSocket, attach.Outcome);
        Assert.Equal(0, host.Connections);
        await host.AssertReachableAsync(Path.Combine(escape, Path.GetFileName(host.Path)), timeout.Token);
    }

    [SimulatedNodeFact]
    public async Task A_container_that_swaps_its_TMPDIR_for_a_link_to_the_host_after_discovery_reaches_nothing_on_the_host()
    {
        // Between the scan and the attach, the container's owner moves its TMPDIR aside (the runtime's socket with it) and
        // puts a link to a host directory holding a socket named as its own in its place.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (container, endpoint) = await StartInAppDirectoryAsync(timeout.Token);
        await using var host = HostListener.Start(Path.GetFileName(endpoint.SocketPath));
        SwapAppDirectoryFor(container, Path.GetDirectoryName(host.Path)!);

        var attach = await TargetAttacher.AttachAsync(ProcFs.Host, endpoint, timeout.Token);

        Assert.Equal(AttachOutcome.NoDiagnosticSocket, attach.Outcome);
        Assert.Equal(0, host.Connections);
        await host.AssertReachableAsync(endpoint.SocketPath, timeout.Token); // the bait works: by path, the swap leads to the host
    }

    [SimulatedNodeFact]
    public async Task A_container_that_swaps_its_TMPDIR_for_a_link_to_the_host_while_attached_keeps_reaching_its_own_runtime()
    {
        // The client opens a connection per command: each one after the swap must still reach the container's runtime.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (container, endpoint) = await StartInAppDirectoryAsync(timeout.Token);
        await using var host = HostListener.Start(Path.GetFileName(endpoint.SocketPath));
        var attach = await TargetAttacher.AttachAsync(ProcFs.Host, endpoint, timeout.Token);
        Assert.True(attach.Succeeded, attach.Message);
        using var socket = attach.Socket!;
        Assert.True(socket.ByPathReason is null, $"reached by path: {socket.ByPathReason}");
        SwapAppDirectoryFor(container, Path.GetDirectoryName(host.Path)!);

        var environment = await Task.Run(attach.Client!.GetProcessEnvironment, timeout.Token).WaitAsync(timeout.Token);

        Assert.Equal("/tmp/app", environment["TMPDIR"]);
        Assert.Equal(0, host.Connections);
        await host.AssertReachableAsync(endpoint.SocketPath, timeout.Token); // the bait works: by path, the swap leads to the host
    }

    /// <summary>A .NET container whose TMPDIR is <c>/tmp/app</c> in its private <c>/tmp</c>, and its socket as discovery found it.</summary>
    private async Task<(SimulatedContainer Container, DiagnosticEndpoint Endpoint)> StartInAppDirectoryAsync(CancellationToken cancellationToken)
    {
        var pod = fixture.Node.AddPod(KubeletCgroupDriver.Systemd, PodQos.BestEffort);
        var container = await fixture.Node.StartContainerAsync(pod, "hostile", ContainerProgram.DotNet, null, cancellationToken,
            environment: new Dictionary<string, string> { ["TMPDIR"] = "/tmp/app" }, directoryInside: "/tmp/app");
        var process = Assert.Single((await ScanAsync([pod.ToDiscoveryPod()], cancellationToken)).Processes);
        Assert.Equal($"/proc/{container.HostPid}/root/tmp/app", Path.GetDirectoryName(process.DiagnosticSocketPath));
        return (container, process.Endpoint!);
    }

    /// <summary>Moves the container's <c>/tmp/app</c> aside (its socket keeps listening) and puts a link to <paramref name="target"/> in its place.</summary>
    private static void SwapAppDirectoryFor(SimulatedContainer container, string target)
    {
        var app = $"/proc/{container.HostPid}/root/tmp/app";
        Directory.Move(app, app + ".moved");
        Directory.CreateSymbolicLink(app, target);
    }

    private static async Task<DiscoveryScan> ScanAsync(IReadOnlyCollection<DiscoveryPod> pods, CancellationToken cancellationToken)
    {
        using var discovery = new ProcessDiscovery(ProcFs.Host, new ProcessDiscoveryOptions(), TimeProvider.System);
        return await discovery.ScanAsync(pods, cancellationToken);
    }

    private static string FileTypeModeAndOwner(string path)
    {
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%F %a %u", path]) { RedirectStandardOutput = true })!;
        var owner = stat.StandardOutput.ReadToEnd().Trim();
        stat.WaitForExit();
        return owner;
    }

    /// <summary>A socket of the host, outside every container, that counts who connects to it.</summary>
    private sealed class HostListener : IAsyncDisposable
    {
        private readonly DirectoryInfo _directory;
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        private readonly Task _accepting;
        private int _connections;

        private HostListener(string name)
        {
            _directory = Directory.CreateTempSubdirectory("fw-host-");
            Path = System.IO.Path.Combine(_directory.FullName, name);
            _socket.Bind(new UnixDomainSocketEndPoint(Path));
            _socket.Listen();
            _accepting = AcceptAsync();
        }

        public string Path { get; }

        public int Connections => Volatile.Read(ref _connections);

        public static HostListener Start(string name) => new(name);

        /// <summary>Connects through <paramref name="path"/> as any client would and checks that this listener answered.</summary>
        public async Task AssertReachableAsync(string path, CancellationToken cancellationToken)
        {
            var before = Connections;
            using (var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                await client.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            }

            while (Connections == before)
            {
                await Task.Delay(20, cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _socket.Dispose();
            await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
            _directory.Delete(recursive: true);
        }

        private async Task AcceptAsync()
        {
            while (true)
            {
                using var connection = await _socket.AcceptAsync();
                Interlocked.Increment(ref _connections);
            }
        }
    }
}
