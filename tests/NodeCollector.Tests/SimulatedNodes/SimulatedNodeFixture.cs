using Flamewatch.TestKit.SimulatedNodes;

namespace Flamewatch.NodeCollector.Tests.SimulatedNodes;

/// <summary>
/// One simulated node shared by a test class: pod A (systemd driver, burstable) runs a .NET app with the default /tmp
/// and a <c>cat</c> sidecar (not .NET); pod B (cgroupfs driver, best-effort) runs a .NET worker with its own TMPDIR and a .NET
/// process with diagnostics disabled; pod C (systemd, guaranteed) runs a .NET app that is never requested.
/// Nothing is started where the machine cannot build a node (the tests then skip).
/// </summary>
public sealed class SimulatedNodeFixture : IAsyncLifetime
{
    private SimulatedNode? _node;

    internal SimulatedNode Node => _node ?? throw new InvalidOperationException("no simulated node on this machine");

    internal SimulatedPod PodA { get; private set; } = null!;

    internal SimulatedPod PodB { get; private set; } = null!;

    internal SimulatedPod PodC { get; private set; } = null!;

    internal SimulatedContainer App => PodA.Containers[0];

    internal SimulatedContainer Sidecar => PodA.Containers[1];

    internal SimulatedContainer Worker => PodB.Containers[0];

    internal SimulatedContainer Quiet => PodB.Containers[1];

    internal SimulatedContainer Other => PodC.Containers[0];

    public async Task InitializeAsync()
    {
        if (NodeCapabilities.Current.UnsupportedReason is not null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        _node = new SimulatedNode(NodeCapabilities.Current);
        try
        {
            PodA = _node.AddPod(KubeletCgroupDriver.Systemd, PodQos.Burstable);
            PodB = _node.AddPod(KubeletCgroupDriver.Cgroupfs, PodQos.BestEffort);
            PodC = _node.AddPod(KubeletCgroupDriver.Systemd, PodQos.Guaranteed);
            await Task.WhenAll(
                _node.StartContainerAsync(PodA, "app", ContainerProgram.DotNet, null, timeout.Token),
                _node.StartContainerAsync(PodB, "worker", ContainerProgram.DotNet, _node.NewTempDirectory("worker"), timeout.Token),
                _node.StartContainerAsync(PodC, "other", ContainerProgram.DotNet, null, timeout.Token));
            await _node.StartContainerAsync(PodA, "sidecar", ContainerProgram.NotDotNet, null, timeout.Token);
            await _node.StartContainerAsync(PodB, "quiet", ContainerProgram.DotNetDiagnosticsDisabled, null, timeout.Token);
        }
        catch
        {
            await _node.DisposeAsync();
            _node = null;
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }
}
