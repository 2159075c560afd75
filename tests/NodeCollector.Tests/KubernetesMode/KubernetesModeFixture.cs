using System.Globalization;
using System.Text.Json.Nodes;
using Flamewatch.NodeCollector.Hosting;
using Flamewatch.TestKit;
using Flamewatch.TestKit.Logging;
using Flamewatch.TestKit.Processes;
using Flamewatch.TestKit.SimulatedNodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    private SimulatedNode? _node;
    private int _pods;

    internal TestApiServer Api { get; private set; } = null!;

    internal IKubernetes Client { get; private set; } = null!;

    internal AgentProcess Agent { get; private set; } = null!;

    internal WebApplication Collector { get; private set; } = null!;

    internal HttpClient CollectorClient { get; private set; } = null!;

    /// <summary>The collector's recent log (Flamewatch categories from Debug), for messages of waits that end in vain.</summary>
    internal RecentLog CollectorLog { get; } = new();

    internal SimulatedNode Node => _node ?? throw new InvalidOperationException("no simulated node on this machine");

    public async Task InitializeAsync()
    {
        if (NodeCapabilities.Current.UnsupportedReason is not null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Api = await TestApiServer.StartAsync(cancellationToken: timeout.Token);
        // The harness has its own User-Agent: the requests the collector made stay apart (see the RBAC test).
        Client = Api.CreateClient("flamewatch-tests/1");
        Agent = await AgentProcess.StartAsync(timeout.Token);
        _node = new SimulatedNode(NodeCapabilities.Current);
        Collector = CollectorHost.Build(new Dictionary<string, string?>
        {
            ["Collector:NodeName"] = NodeName,
            ["Collector:Agent"] = Agent.Url,
            ["Collector:Kubeconfig"] = Api.KubeconfigPath,
            ["Collector:Port"] = "0",
            ["Collector:BindAddress"] = "127.0.0.1",
            ["Collector:RescanInterval"] = "00:00:01",
            ["Collector:AttachTimeout"] = "00:00:05",
            ["Collector:StopTimeout"] = "00:00:20",
        },
        services =>
        {
            services.AddSingleton<ILoggerProvider>(CollectorLog);
            services.Configure<LoggerFilterOptions>(filters => filters.AddFilter<RecentLog>("Flamewatch", LogLevel.Debug));
        });
        await Collector.StartAsync(timeout.Token);
        var address = Collector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        CollectorClient = new HttpClient { BaseAddress = new Uri(address + "/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Creates a pod and its simulated containers (see <see cref="PodObjects.CreateAsync"/>); both cgroup drivers take turns.</summary>
    internal Task<TestPod> CreatePodAsync(
        string name, IReadOnlyDictionary<string, string>? annotations, IReadOnlyList<(string Name, ContainerProgram Program)> containers,
        CancellationToken cancellationToken, string nodeName = NodeName, IReadOnlyDictionary<string, string>? environment = null)
    {
        var driver = Interlocked.Increment(ref _pods) % 2 == 0 ? KubeletCgroupDriver.Cgroupfs : KubeletCgroupDriver.Systemd;
        return PodObjects.CreateAsync(Client, Node, Namespace, name, nodeName, driver, annotations, containers, cancellationToken, environment);
    }

    /// <summary>Sets (or with a null value removes) annotations of a pod.</summary>
    internal Task PatchAnnotationsAsync(TestPod pod, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken)
    {
        var annotations = new JsonObject();
        foreach (var (key, value) in changes)
        {
            annotations[key] = value;
        }

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } };
        return Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), pod.Name, Namespace, cancellationToken: cancellationToken);
    }

    /// <summary>The Events recorded on a pod.</summary>
    internal async Task<IList<Corev1Event>> EventsAsync(TestPod pod, CancellationToken cancellationToken)
    {
        var list = await Client.CoreV1.ListNamespacedEventAsync(Namespace, fieldSelector: "involvedObject.uid=" + pod.Uid, cancellationToken: cancellationToken);
        return list.Items;
    }

    /// <summary>
    /// Polls until an Event with <paramref name="reason"/> is recorded on the pod. A wait that ends in vain says which
    /// Events the pod has and what the collector logged about it.
    /// </summary>
    internal async Task<Corev1Event> WaitForEventAsync(TestPod pod, string reason, CancellationToken cancellationToken)
    {
        IList<Corev1Event> events = [];
        try
        {
            while (true)
            {
                events = await EventsAsync(pod, cancellationToken);
                if (events.FirstOrDefault(e => e.Reason == reason) is { } found)
                {
                    return found;
                }

                await Task.Delay(250, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"No {reason} Event on pod {pod.Name}. Its Events: [{string.Join("; ", events.Select(e => $"{e.Reason} x{e.Count}: {e.Message}"))}]."
                + $"{Environment.NewLine}The collector's log about it:{Environment.NewLine}{string.Join(Environment.NewLine, CollectorLog.Tail(60, pod.Name))}"
                + $"{Environment.NewLine}The collector's last entries:{Environment.NewLine}{string.Join(Environment.NewLine, CollectorLog.Tail(40))}");
        }
    }

    /// <summary>
    /// The collector's session counters: sessions started and ended, and discovery scans (each scan would start a session
    /// for any process that should be profiled and has none).
    /// </summary>
    internal async Task<(double Started, double Ended, double Scans)> SessionCountsAsync(CancellationToken cancellationToken) =>
        (await MetricAsync("flamewatch_collector_sessions_started_total", cancellationToken),
         await MetricAsync("flamewatch_collector_sessions_ended_total", cancellationToken),
         await MetricAsync("flamewatch_collector_scans_total", cancellationToken));

    /// <summary>
    /// Polls until the collector has ended <paramref name="ended"/> sessions more than <paramref name="before"/> counted,
    /// then until it has scanned the node twice more; returns the counts then. A session that should not start again
    /// would have started by then (instead of waiting out a profiling period to see whether it uploads).
    /// </summary>
    internal async Task<(double Started, double Ended, double Scans)> WaitForEndedSessionsAndTwoScansAsync(
        (double Started, double Ended, double Scans) before, int ended, CancellationToken cancellationToken)
    {
        var counts = await SessionCountsAsync(cancellationToken);
        while (counts.Ended < before.Ended + ended)
        {
            await Task.Delay(100, cancellationToken);
            counts = await SessionCountsAsync(cancellationToken);
        }

        var scans = counts.Scans;
        while (counts.Scans < scans + 2)
        {
            await Task.Delay(100, cancellationToken);
            counts = await SessionCountsAsync(cancellationToken);
        }

        return counts;
    }

    /// <summary>
    /// A session exports its partial last period when stopped only if the period is at least 1 s long (shorter ones would
    /// replace a full period with noise). Given when a test saw a period's profile (so the next period had begun by then),
    /// waits until the period running now is long enough for its flush to be checked.
    /// </summary>
    internal static async Task WaitForAFlushablePartialPeriodAsync(DateTimeOffset periodSeenAt, CancellationToken cancellationToken)
    {
        var due = periodSeenAt + TimeSpan.FromSeconds(1.2) - DateTimeOffset.UtcNow;
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, cancellationToken);
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
    internal static Dictionary<string, string> Enabled(string application, string labelsJson = "{}") => PodObjects.Enabled(application, labelsJson);

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
