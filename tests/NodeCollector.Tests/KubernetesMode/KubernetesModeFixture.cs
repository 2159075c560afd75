using System.Globalization;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Flamewatch.NodeCollector.Discovery;
using Flamewatch.NodeCollector.Hosting;
using Flamewatch.NodeCollector.Tests.SimulatedNode;
using Flamewatch.TestKit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Flamewatch.NodeCollector.Tests.KubernetesMode;

/// <summary>
/// A node collector in Kubernetes mode (in this process, as <c>flamewatch-collector run</c> builds it) for node
/// <see cref="NodeName"/>, against the in-process test API server and the real agent (a process on 127.0.0.1), with a
/// simulated node whose containers are real processes in their own namespaces and kubelet-named cgroups. Tests add
/// pods with <see cref="CreatePodAsync"/>. Nothing is started where the machine cannot build a simulated node.
/// </summary>
public sealed class KubernetesModeFixture : IAsyncLifetime
{
    public const string NodeName = "node-a";
    public const string Namespace = "default";

    private SimulatedNode.SimulatedNode? _node;
    private int _pods;

    internal TestApiServer Api { get; private set; } = null!;

    internal KubeApiClient Client { get; private set; } = null!;

    internal AgentProcess Agent { get; private set; } = null!;

    internal WebApplication Collector { get; private set; } = null!;

    internal HttpClient CollectorClient { get; private set; } = null!;

    internal SimulatedNode.SimulatedNode Node => _node ?? throw new InvalidOperationException("no simulated node on this machine");

    public async Task InitializeAsync()
    {
        if (NodeCapabilities.Current.UnsupportedReason is not null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Api = await TestApiServer.StartAsync(cancellationToken: timeout.Token);
        Client = Api.CreateClient();
        Agent = await AgentProcess.StartAsync(timeout.Token);
        _node = new SimulatedNode.SimulatedNode(NodeCapabilities.Current);
        Collector = CollectorHost.Build(new Dictionary<string, string?>
        {
            ["Collector:NodeName"] = NodeName,
            ["Collector:Agent"] = Agent.Address.ToString().TrimEnd('/'),
            ["Collector:Kubeconfig"] = Api.KubeconfigPath,
            ["Collector:Port"] = "0",
            ["Collector:BindAddress"] = "127.0.0.1",
            ["Collector:RescanInterval"] = "00:00:01",
            ["Collector:AttachTimeout"] = "00:00:05",
            ["Collector:StopTimeout"] = "00:00:20",
        });
        await Collector.StartAsync(timeout.Token);
        var address = Collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        CollectorClient = new HttpClient { BaseAddress = new Uri(address + "/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Environment of the .NET test containers: the runtime samples at 100 Hz, the collector's default, so sampling is
    /// continuous and every partial period holds samples.</summary>
    internal static readonly IReadOnlyDictionary<string, string> TargetEnvironment = new Dictionary<string, string>
    {
        ["DOTNET_EventPipeThreadSamplingRate"] = "A",
    };

    /// <summary>
    /// Creates a Pod (nodeName, annotations, one container spec per entry), starts its containers on the simulated node
    /// with the UID the API server gave it (whatever node the pod names: a pod "on another node" then has real processes
    /// here too), and reports their container IDs in the pod's status as the kubelet does.
    /// </summary>
    internal async Task<TestPod> CreatePodAsync(
        string name, IReadOnlyDictionary<string, string>? annotations, IReadOnlyList<(string Name, ContainerProgram Program)> containers,
        CancellationToken cancellationToken, string nodeName = NodeName)
    {
        var pods = Client.Pods();
        var pod = new Pod
        {
            Metadata = new ObjectMeta { Name = name, Namespace = Namespace, Annotations = annotations?.ToDictionary(), Labels = new() { ["app"] = name } },
            Spec = new PodSpec { NodeName = nodeName, Containers = [.. containers.Select(c => new Container { Name = c.Name, Image = "example.com/" + c.Name + ":1" })] },
        };
        var created = await pods.CreateAsync(pod, cancellationToken);
        var uid = created.Metadata.Uid!;
        var driver = Interlocked.Increment(ref _pods) % 2 == 0 ? CgroupDriver.Cgroupfs : CgroupDriver.Systemd;
        var simulated = Node.AddPod(driver, PodQosClass.Burstable, uid);
        foreach (var (container, program) in containers)
        {
            await Node.StartContainerAsync(simulated, container, program, null, cancellationToken, environment: TargetEnvironment);
        }

        var current = await pods.GetAsync(Namespace, name, cancellationToken);
        current.Status ??= new PodStatus();
        current.Status.Phase = "Running";
        current.Status.ContainerStatuses = [.. simulated.Containers.Select(c => new ContainerStatus
        {
            Name = c.Name,
            ContainerID = "containerd://" + c.Id,
            Image = "example.com/" + c.Name + ":1",
            Ready = true,
            RestartCount = 0,
        })];
        await pods.UpdateStatusAsync(current, cancellationToken);
        return new TestPod(name, uid, simulated);
    }

    /// <summary>Sets (or with a null value removes) annotations of a pod.</summary>
    internal Task PatchAnnotationsAsync(TestPod pod, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken) =>
        Client.Pods().PatchAsync(Namespace, pod.Name, KubePatch.Annotations(changes), cancellationToken);

    /// <summary>The Events recorded on a pod.</summary>
    internal async Task<IReadOnlyList<KubeEvent>> EventsAsync(TestPod pod, CancellationToken cancellationToken)
    {
        var list = await Client.Events().ListAsync(Namespace, new ListOptions { FieldSelector = "involvedObject.uid=" + pod.Uid }, cancellationToken);
        return list.Items;
    }

    /// <summary>Polls until an Event with <paramref name="reason"/> is recorded on the pod.</summary>
    internal async Task<KubeEvent> WaitForEventAsync(TestPod pod, string reason, CancellationToken cancellationToken)
    {
        while (true)
        {
            if ((await EventsAsync(pod, cancellationToken)).FirstOrDefault(e => e.Reason == reason) is { } found)
            {
                return found;
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>One sample value of the collector's /metrics (e.g. <c>flamewatch_collector_sessions_active</c>).</summary>
    internal async Task<double> MetricAsync(string series, CancellationToken cancellationToken)
    {
        var text = await CollectorClient.GetStringAsync("metrics", cancellationToken);
        var line = text.Split('\n').Single(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Annotations that opt a pod in with a short period (the contract's minimum), an application name and labels.</summary>
    internal static Dictionary<string, string> Enabled(string application, string labelsJson = "{}") => new()
    {
        ["flamewatch.io/enabled"] = "true",
        ["flamewatch.io/application-name"] = application,
        ["flamewatch.io/period"] = "10s",
        ["flamewatch.io/upload-timeout"] = "5s",
        ["flamewatch.io/labels"] = labelsJson,
    };

    /// <summary>An application name no other test uses.</summary>
    internal static string UniqueApplication(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    public async Task DisposeAsync()
    {
        if (_node is null)
        {
            return;
        }

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                await Collector.StopAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        await Collector.DisposeAsync();
        CollectorClient.Dispose();
        await _node.DisposeAsync();
        await Agent.DisposeAsync();
        Client.Dispose();
        await Api.DisposeAsync();
    }
}
