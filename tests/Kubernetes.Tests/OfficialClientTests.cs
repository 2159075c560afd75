using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>The official KubernetesClient against the test API server: what it sends, the server must serve.</summary>
public sealed class OfficialClientTests : ServerTestBase
{
    private IKubernetes Official() => new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath));

    [Fact]
    public async Task Creates_lists_with_selectors_and_patches_pods_in_every_patch_format()
    {
        using var client = Official();
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { NodeName = "node-1", Containers = [new V1Container { Name = "app", Image = "example/app:1" }] },
        };
        var created = await client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Timeout);
        Assert.Equal("Always", created.Spec.RestartPolicy);
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "db" }, Spec = new V1PodSpec { NodeName = "node-2", Containers = [new V1Container { Name = "db", Image = "example/db:1" }] } }, "default", cancellationToken: Timeout);

        Assert.Equal(["web"], (await client.CoreV1.ListNamespacedPodAsync("default", labelSelector: "app=web", cancellationToken: Timeout)).Items.Select(p => p.Metadata.Name));
        Assert.Equal(["db"], (await client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "spec.nodeName=node-2", cancellationToken: Timeout)).Items.Select(p => p.Metadata.Name));

        await client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"annotations":{"flamewatch.io/enabled":"true"}}}""", V1Patch.PatchType.MergePatch), "web", "default", cancellationToken: Timeout);
        await client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""[{"op":"add","path":"/metadata/labels/tier","value":"front"}]""", V1Patch.PatchType.JsonPatch), "web", "default", cancellationToken: Timeout);
        var patched = await client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"labels":{"team":"a"}}}""", V1Patch.PatchType.StrategicMergePatch), "web", "default", cancellationToken: Timeout);
        Assert.Equal("true", patched.Metadata.Annotations["flamewatch.io/enabled"]);
        Assert.Equal("front", patched.Metadata.Labels["tier"]);
        Assert.Equal("a", patched.Metadata.Labels["team"]);

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("nope", "default", cancellationToken: Timeout));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Equal("NotFound", JsonNode.Parse(missing.Response.Content)!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watches_with_bookmarks_and_reports_an_expired_resource_version_as_an_error_event()
    {
        using var client = Official();
        var list = await client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Timeout);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var seen = new List<string>();
        var watch = Task.Run(async () =>
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync("default", allowWatchBookmarks: true, resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 30, cancellationToken: watching.Token))
            {
                lock (seen)
                {
                    seen.Add($"{type} {pod.Metadata.Name}");
                }
            }
        });
        await EventuallyAsync(() => Server.OpenWatches == 1, "watch open");
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "watched" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "example/app:1" }] } }, "default", cancellationToken: Timeout);
        Server.SendBookmarks();
        await client.CoreV1.DeleteNamespacedPodAsync("watched", "default", cancellationToken: Timeout);
        await EventuallyAsync(() => { lock (seen) { return seen.Contains("Deleted watched") && seen.Any(s => s.StartsWith("Bookmark", StringComparison.Ordinal)); } }, "events and a bookmark");
        Assert.Equal("Added watched", seen[0]);
        await watching.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch);

        // Behind the watch cache an expired resourceVersion is an ERROR event in a 200 stream: the client reports it to
        // onError (and keeps it out of the events), which is why Flamewatch's informer turns it into a relist.
        Server.CompactHistory();
        Exception? error = null;
        await foreach (var _ in client.CoreV1.WatchListNamespacedPodAsync("default", resourceVersion: list.Metadata.ResourceVersion, onError: e => error = e, cancellationToken: Timeout))
        {
        }

        var expired = Assert.IsType<KubernetesException>(error);
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
    }

    [Fact]
    public async Task Records_events_in_core_v1_and_events_k8s_io_v1()
    {
        using var client = Official();
        var now = DateTime.UtcNow;
        await client.CoreV1.CreateNamespacedEventAsync(
            new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = "web.core" },
                InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "web", NamespaceProperty = "default", ApiVersion = "v1" },
                Type = "Normal",
                Reason = "Attached",
                Message = "profiling",
                Count = 1,
                FirstTimestamp = now,
                LastTimestamp = now,
                Source = new V1EventSource { Component = "flamewatch-collector" },
            },
            "default",
            cancellationToken: Timeout);
        var created = await client.EventsV1.CreateNamespacedEventAsync(
            new Eventsv1Event
            {
                Metadata = new V1ObjectMeta { Name = "web.events" },
                EventTime = now,
                Regarding = new V1ObjectReference { Kind = "Pod", Name = "web", NamespaceProperty = "default", ApiVersion = "v1" },
                Type = "Warning",
                Reason = "AttachFailed",
                Note = "no diagnostic socket",
                Action = "Attach",
                ReportingController = "flamewatch.io/collector",
                ReportingInstance = "flamewatch-collector-node-1",
            },
            "default",
            cancellationToken: Timeout);
        Assert.NotNull(created.Metadata.ResourceVersion);

        var patched = await client.EventsV1.PatchNamespacedEventAsync(
            new V1Patch("""{"series":{"count":2,"lastObservedTime":"2026-03-01T12:00:00.000000Z"}}""", V1Patch.PatchType.MergePatch), "web.events", "default", cancellationToken: Timeout);
        Assert.Equal(2, patched.Series.Count);
        Assert.Equal(["web.events"], (await client.EventsV1.ListNamespacedEventAsync("default", fieldSelector: "regarding.name=web,reason=AttachFailed", cancellationToken: Timeout)).Items.Select(e => e.Metadata.Name));
        Assert.Equal(["web.core"], (await client.CoreV1.ListNamespacedEventAsync("default", cancellationToken: Timeout)).Items.Select(e => e.Metadata.Name));
    }

    [Fact]
    public async Task The_official_leader_elector_takes_and_renews_a_lease()
    {
        using var client = Official();
        var config = new LeaderElectionConfig(new LeaseLock(client, "default", "flamewatch-operator", "replica-a"))
        {
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        };
        using var elector = new LeaderElector(config);
        var leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        elector.OnStartedLeading += () => leading.TrySetResult();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var run = elector.RunUntilLeadershipLostAsync(stop.Token);
        await leading.Task.WaitAsync(Timeout);

        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("flamewatch-operator", "default", cancellationToken: Timeout);
        Assert.Equal("replica-a", lease.Spec.HolderIdentity);
        var firstRenew = lease.Spec.RenewTime;
        await EventuallyAsync(
            () => client.CoordinationV1.ReadNamespacedLease("flamewatch-operator", "default").Spec.RenewTime > firstRenew,
            "the leader renews its lease");
        Assert.True(elector.IsLeader());

        await stop.CancelAsync();
        try
        {
            await run;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
