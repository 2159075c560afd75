using System.Text.Json.Nodes;
using Flamewatch.Kubernetes.Informers;
using Flamewatch.Kubernetes.Selectors;
using Flamewatch.TestKit.Timing;
using k8s;
using k8s.Models;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

public sealed class InformerTests : ServerTestBase
{
    /// <summary>Records what handlers saw, keyed by name.</summary>
    private sealed class Recorder : IResourceEventHandler<V1Pod>
    {
        public readonly Dictionary<string, string> Last = [];
        public readonly List<string> Log = [];

        public void OnAdd(V1Pod obj) => Record("add", obj);

        public void OnUpdate(V1Pod oldObj, V1Pod newObj) => Record("update", newObj);

        public void OnDelete(V1Pod obj) => Record("delete", obj);

        private void Record(string what, V1Pod pod)
        {
            lock (Log)
            {
                Log.Add($"{what}:{pod.Metadata.Name}");
                Last[pod.Metadata.Name!] = what;
            }
        }

        public string? LastFor(string name)
        {
            lock (Log)
            {
                return Last.GetValueOrDefault(name);
            }
        }
    }

    private (Informer<V1Pod> Informer, Recorder Recorder, Task Run, CancellationTokenSource Stop) Start(InformerOptions? options = null, TimeProvider? time = null)
    {
        var informer = new Informer<V1Pod>(ListWatch.Pods(Client), options ?? new InformerOptions { InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(400) }, timeProvider: time);
        var recorder = new Recorder();
        informer.AddHandler(recorder);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        return (informer, recorder, informer.RunAsync(stop.Token), stop);
    }

    [Fact]
    public async Task Syncs_then_follows_changes_and_serves_the_cache_with_selectors()
    {
        await CreatePodAsync(NewPod("a", labels: new() { ["app"] = "web" }));
        await CreatePodAsync(NewPod("b", labels: new() { ["app"] = "db" }));
        var (informer, recorder, run, stop) = Start();
        await informer.WaitForSyncAsync(Timeout);
        Assert.Equal(2, informer.List().Count);
        Assert.Equal(["a"], informer.List("default", LabelSelectorExpression.Parse("app=web")).Select(p => p.Metadata.Name));

        await CreatePodAsync(NewPod("c"));
        await AnnotatePodAsync("a", "k", "v");
        await DeletePodAsync("b");
        await EventuallyAsync(() => recorder.LastFor("b") == "delete" && recorder.LastFor("c") == "add" && recorder.LastFor("a") == "update", "changes seen");
        Assert.Equal("v", informer.Get("default", "a")!.Metadata.Annotations!["k"]);
        Assert.Null(informer.Get("default", "b"));

        // A handler added after sync gets the current state first.
        var late = new Recorder();
        informer.AddHandler(late);
        Assert.Equal(["add:a", "add:c"], late.Log.Order());

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Survives_dropped_connections_without_missing_an_event()
    {
        var (informer, recorder, run, stop) = Start();
        await informer.WaitForSyncAsync(Timeout);
        for (var i = 0; i < 30; i++)
        {
            await CreatePodAsync(NewPod($"p{i}", labels: new() { ["round"] = "1" }));
            if (i % 5 == 0)
            {
                Server.DropWatches();
            }

            if (i % 3 == 0)
            {
                await DeletePodAsync($"p{i}");
            }
        }

        await EventuallyAsync(() => informer.List().Count == 20, "20 pods cached");
        var serverNames = (await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Timeout)).Items.Select(p => p.Metadata.Name).Order().ToList();
        Assert.Equal(serverNames, informer.List().Select(p => p.Metadata.Name).Order().ToList());
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(i % 3 == 0 ? "delete" : "add", recorder.LastFor($"p{i}"));
        }

        Assert.Equal(1, informer.ListCount); // resumed from the resourceVersion each time, never relisted
        Assert.True(informer.WatchCount > 1);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Watches_cut_after_they_ran_resume_at_once_however_often_it_happens()
    {
        // An API server restart or a load balancer cutting long connections breaks a watch that was working: resuming
        // is not a failure, so no backoff may build up (with 2 s doubling, the fourth cut would blind it for 13-19 s).
        // Each watch has run long enough to count as healthy (over 1 s on the informer's clock) when it is cut.
        var time = new OffsetTimeProvider();
        var (informer, recorder, run, stop) = Start(new InformerOptions { InitialBackoff = TimeSpan.FromSeconds(2), MaxBackoff = TimeSpan.FromSeconds(30) }, time);
        await informer.WaitForSyncAsync(Timeout);
        for (var cut = 1; cut <= 4; cut++)
        {
            await EventuallyAsync(() => informer.WatchCount == cut && Server.OpenWatches == 1, $"watch {cut} open", TimeSpan.FromSeconds(40));
            time.Offset += TimeSpan.FromSeconds(1.2);
            Server.DropWatches();
        }

        var cutAt = System.Diagnostics.Stopwatch.StartNew();
        await CreatePodAsync(NewPod("after-cuts"));
        await EventuallyAsync(() => recorder.LastFor("after-cuts") == "add", "the pod created after the cuts is seen", TimeSpan.FromSeconds(40));

        Assert.True(cutAt.Elapsed < TimeSpan.FromSeconds(5), $"the informer saw the new pod {cutAt.Elapsed.TotalSeconds:F1} s after the last cut");
        Assert.Equal(1, informer.ListCount); // resumed from the resourceVersion each time
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Relists_after_compaction_and_synthesizes_missed_deletes()
    {
        await CreatePodAsync(NewPod("gone"));
        await CreatePodAsync(NewPod("stays"));
        var (informer, recorder, run, stop) = Start();
        await informer.WaitForSyncAsync(Timeout);
        await EventuallyAsync(() => Server.OpenWatches == 1, "watch open");

        // The informer is blind (silent stream) while the world changes and history is compacted.
        Server.SilenceWatches();
        await DeletePodAsync("gone");
        await CreatePodAsync(NewPod("new"));
        Server.CompactHistory();
        Server.DropWatches();

        await EventuallyAsync(() => recorder.LastFor("gone") == "delete" && recorder.LastFor("new") == "add", "relist diff applied");
        Assert.Equal(["new", "stays"], informer.List().Select(p => p.Metadata.Name).Order());
        Assert.Equal(2, informer.ListCount);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Silent_watch_is_restarted_by_the_watchdog_and_catches_up()
    {
        var (informer, recorder, run, stop) = Start(new InformerOptions { IdleTimeout = TimeSpan.FromSeconds(1), InitialBackoff = TimeSpan.FromMilliseconds(50) });
        await informer.WaitForSyncAsync(Timeout);
        await EventuallyAsync(() => Server.OpenWatches == 1, "watch open");
        Server.SilenceWatches();
        await CreatePodAsync(NewPod("during-silence"));
        await EventuallyAsync(() => recorder.LastFor("during-silence") == "add", "event delivered after the watchdog fired", TimeSpan.FromSeconds(15));
        Assert.True(informer.WatchCount >= 2);
        Assert.Equal(1, informer.ListCount);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Node_field_selector_sees_a_pod_when_it_is_bound_to_the_node()
    {
        var (informer, recorder, run, stop) = Start(new InformerOptions { FieldSelector = "spec.nodeName=node-1" });
        await CreatePodAsync(NewPod("elsewhere", node: "node-2"));
        await CreatePodAsync(NewPod("pending"));
        await informer.WaitForSyncAsync(Timeout);
        await MergePatchPodAsync("pending", """{"spec":{"nodeName":"node-1"}}""");
        await EventuallyAsync(() => recorder.LastFor("pending") == "add", "bound pod appears");
        Assert.Null(recorder.LastFor("elsewhere"));
        Assert.Equal(["pending"], informer.List().Select(p => p.Metadata.Name));
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Bookmarks_advance_the_resource_version_without_events()
    {
        var (informer, _, run, stop) = Start();
        await informer.WaitForSyncAsync(Timeout);
        await EventuallyAsync(() => Server.OpenWatches == 1, "watch open");
        var before = informer.LastSyncResourceVersion;
        // A change to another kind moves the global revision; the bookmark carries it.
        await Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease { Metadata = new V1ObjectMeta { Name = "l", NamespaceProperty = "default" }, Spec = new V1LeaseSpec() }, "default", cancellationToken: Timeout);
        Server.SendBookmarks();
        await EventuallyAsync(() => informer.LastSyncResourceVersion != before, "bookmark applied");
        Assert.Equal(Server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), informer.LastSyncResourceVersion);
        await stop.CancelAsync();
        await run;
    }
}
