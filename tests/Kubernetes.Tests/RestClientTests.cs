using System.Text.Json.Nodes;
using Flamewatch.Kubernetes.Json;
using Flamewatch.Kubernetes.Models;
using Flamewatch.Kubernetes.Rest;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

public sealed class RestClientTests : ServerTestBase
{
    [Fact]
    public async Task Create_get_update_delete_round_trip_with_monotonic_resource_versions()
    {
        var pods = Api.Pods();
        var created = await pods.CreateAsync(NewPod("web", labels: new() { ["app"] = "web" }), Timeout);
        Assert.NotNull(created.Metadata.Uid);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal("Pending", created.Status?.Phase);

        var fetched = await pods.GetAsync("default", "web", Timeout);
        Assert.Equal(created.Metadata.ResourceVersion, fetched.Metadata.ResourceVersion);

        fetched.Metadata.Labels!["tier"] = "front";
        var updated = await pods.UpdateAsync(fetched, Timeout);
        Assert.NotEqual(created.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);
        Assert.True(long.Parse(updated.Metadata.ResourceVersion!) > long.Parse(created.Metadata.ResourceVersion!));
        Assert.Equal(1, updated.Metadata.Generation); // metadata-only change

        await pods.DeleteAsync("default", "web", cancellationToken: Timeout);
        Assert.Null(await pods.TryGetAsync("default", "web", Timeout));
    }

    [Fact]
    public async Task Writes_that_change_nothing_keep_the_resource_version()
    {
        var pods = Api.Pods();
        var created = await pods.CreateAsync(NewPod("web"), Timeout);
        var same = await pods.UpdateAsync(created, Timeout);
        Assert.Equal(created.Metadata.ResourceVersion, same.Metadata.ResourceVersion);
        var annotated = await pods.PatchAsync("default", "web", KubePatch.Annotations([new("a", "1")]), Timeout);
        var again = await pods.PatchAsync("default", "web", KubePatch.Annotations([new("a", "1")]), Timeout);
        Assert.NotEqual(created.Metadata.ResourceVersion, annotated.Metadata.ResourceVersion);
        Assert.Equal(annotated.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Errors_carry_the_api_status()
    {
        var pods = Api.Pods();
        var missing = await Assert.ThrowsAsync<KubeApiException>(() => pods.GetAsync("default", "nope", Timeout));
        Assert.True(missing.IsNotFound);
        Assert.Equal("NotFound", missing.Reason);
        Assert.Contains("pods \"nope\" not found", missing.Status.Message);

        await pods.CreateAsync(NewPod("dup"), Timeout);
        var duplicate = await Assert.ThrowsAsync<KubeApiException>(() => pods.CreateAsync(NewPod("dup"), Timeout));
        Assert.True(duplicate.IsAlreadyExists);

        var noNamespace = await Assert.ThrowsAsync<KubeApiException>(() => pods.CreateAsync(NewPod("x", ns: "missing-ns"), Timeout));
        Assert.True(noNamespace.IsNotFound);
        Assert.Contains("namespaces \"missing-ns\" not found", noNamespace.Status.Message);

        var badSelector = await Assert.ThrowsAsync<KubeApiException>(() => pods.ListAsync(null, new ListOptions { FieldSelector = "spec.bogus=1" }, Timeout));
        Assert.Equal(400, badSelector.Status.Code);
        Assert.Contains("not a known field selector", badSelector.Status.Message);
    }

    [Fact]
    public async Task Stale_update_is_a_conflict_and_retry_on_conflict_wins()
    {
        var pods = Api.Pods();
        await pods.CreateAsync(NewPod("web"), Timeout);
        var first = await pods.GetAsync("default", "web", Timeout);
        var second = await pods.GetAsync("default", "web", Timeout);
        (first.Metadata.Annotations ??= [])["a"] = "1";
        await pods.UpdateAsync(first, Timeout);
        (second.Metadata.Annotations ??= [])["b"] = "2";
        var conflict = await Assert.ThrowsAsync<KubeConflictException>(() => pods.UpdateAsync(second, Timeout));
        Assert.Equal(409, conflict.Status.Code);
        Assert.Contains("the object has been modified", conflict.Status.Message);

        // Two writers racing through the retry helper both land.
        var writers = Enumerable.Range(0, 4).Select(i => pods.UpdateWithRetryAsync("default", "web", p =>
        {
            (p.Metadata.Annotations ??= [])[$"writer-{i}"] = "done";
            return true;
        }, Timeout));
        await Task.WhenAll(writers);
        var final = await pods.GetAsync("default", "web", Timeout);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal("done", final.Metadata.Annotations![$"writer-{i}"]));
        Assert.Equal("1", final.Metadata.Annotations!["a"]);
    }

    [Fact]
    public async Task List_filters_by_label_and_pod_field_selectors()
    {
        var pods = Api.Pods();
        await pods.CreateAsync(NewPod("a", node: "node-1", labels: new() { ["app"] = "web", ["tier"] = "front" }), Timeout);
        await pods.CreateAsync(NewPod("b", node: "node-2", labels: new() { ["app"] = "web" }), Timeout);
        await pods.CreateAsync(NewPod("c", node: "node-1", labels: new() { ["app"] = "db" }), Timeout);

        async Task<string[]> Names(ListOptions options) => (await pods.ListAsync("default", options, Timeout)).Items.Select(p => p.Metadata.Name!).Order().ToArray();

        Assert.Equal(["a", "c"], await Names(new ListOptions { FieldSelector = "spec.nodeName=node-1" }));
        Assert.Equal(["a", "b"], await Names(new ListOptions { LabelSelector = "app=web" }));
        Assert.Equal(["a"], await Names(new ListOptions { LabelSelector = "app in (web,db),tier" }));
        Assert.Equal(["b", "c"], await Names(new ListOptions { LabelSelector = "tier!=front" }));
        Assert.Equal(["c"], await Names(new ListOptions { LabelSelector = "app notin (web)", FieldSelector = "metadata.namespace=default" }));
        Assert.Equal(["b"], await Names(new ListOptions { FieldSelector = "metadata.name=b" }));
    }

    [Fact]
    public async Task Merge_and_json_patch_change_annotations_and_guard_with_test()
    {
        var pods = Api.Pods();
        await pods.CreateAsync(NewPod("web"), Timeout);
        var patched = await pods.PatchAsync("default", "web", KubePatch.Annotations([new("flamewatch.io/enabled", "true"), new("x", "1")]), Timeout);
        Assert.Equal("true", patched.Metadata.Annotations!["flamewatch.io/enabled"]);

        patched = await pods.PatchAsync("default", "web", KubePatch.Annotations([new("x", null)]), Timeout);
        Assert.False(patched.Metadata.Annotations!.ContainsKey("x"));

        var ops = new JsonArray(
            new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = patched.Metadata.ResourceVersion },
            new JsonObject { ["op"] = "add", ["path"] = "/metadata/finalizers", ["value"] = new JsonArray("flamewatch.io/cleanup") });
        var withFinalizer = await pods.PatchAsync("default", "web", KubePatch.Json(ops), Timeout);
        Assert.Equal(["flamewatch.io/cleanup"], withFinalizer.Metadata.Finalizers!);

        var stale = await Assert.ThrowsAsync<KubeApiException>(() => pods.PatchAsync("default", "web", KubePatch.Json(ops), Timeout));
        Assert.Equal(422, stale.Status.Code);

        // A merge patch carrying a stale resourceVersion is a precondition → 409.
        var guarded = new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = patched.Metadata.ResourceVersion, ["labels"] = new JsonObject { ["a"] = "b" } } };
        await Assert.ThrowsAsync<KubeConflictException>(() => pods.PatchAsync("default", "web", KubePatch.Merge(guarded), Timeout));
    }

    [Fact]
    public async Task Unknown_fields_survive_a_typed_round_trip()
    {
        var generic = Api.Resource<GenericObject>(ResourceType.Pods);
        var pod = KubeJson.Deserialize<GenericObject>("""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"rich","namespace":"default","somethingNew":"kept"},
             "spec":{"containers":[{"name":"app","image":"x:1","resources":{"limits":{"cpu":"1"}}}],"priorityClassName":"high"}}
            """);
        await generic.CreateAsync(pod, Timeout);

        var typed = await Api.Pods().GetAsync("default", "rich", Timeout);
        typed.Metadata.Labels = new() { ["touched"] = "yes" };
        await Api.Pods().UpdateAsync(typed, Timeout);

        var after = await generic.GetAsync("default", "rich", Timeout);
        Assert.Equal("high", after["spec"]!["priorityClassName"]!.GetValue<string>());
        Assert.Equal("1", after["spec"]!["containers"]![0]!["resources"]!["limits"]!["cpu"]!.GetValue<string>());
        Assert.Equal("yes", after.Metadata.Labels!["touched"]);
    }

    [Fact]
    public async Task Paged_list_returns_everything_and_recovers_from_an_expired_token()
    {
        var pods = Api.Pods();
        for (var i = 0; i < 25; i++)
        {
            await pods.CreateAsync(NewPod($"p{i:00}"), Timeout);
        }

        var first = await pods.ListAsync("default", new ListOptions { Limit = 10 }, Timeout);
        Assert.Equal(10, first.Items.Count);
        Assert.False(string.IsNullOrEmpty(first.Metadata.Continue));

        Server.ExpireContinueTokens();
        var expired = await Assert.ThrowsAsync<KubeApiException>(() => pods.ListAsync("default", new ListOptions { Limit = 10, Continue = first.Metadata.Continue }, Timeout));
        Assert.True(expired.IsExpired);

        var all = await pods.ListAllAsync("default", pageSize: 10, cancellationToken: Timeout);
        Assert.Equal(25, all.Items.Select(p => p.Metadata.Name).Distinct().Count());

        // Expire the token between pages: the pager falls back to one full list.
        Server.FailRequests(410, 1, r => r.Query.ContainsKey("continue"));
        var recovered = await pods.ListAllAsync("default", pageSize: 10, cancellationToken: Timeout);
        Assert.Equal(25, recovered.Items.Count);
    }

    [Fact]
    public async Task Watch_streams_changes_and_selector_transitions()
    {
        var pods = Api.Pods();
        var list = await pods.ListAsync("default", cancellationToken: Timeout);
        var events = new List<(WatchEventType, string)>();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var watching = Task.Run(async () =>
        {
            await foreach (var e in pods.WatchAsync("default", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion, LabelSelector = "app=web" }, cts.Token))
            {
                lock (events)
                {
                    events.Add((e.Type, e.Object!.Metadata.Name!));
                }
            }
        }, cts.Token);

        await EventuallyAsync(() => Server.OpenWatches == 1, "watch open");
        await pods.CreateAsync(NewPod("a", labels: new() { ["app"] = "web" }), Timeout);
        await pods.CreateAsync(NewPod("b", labels: new() { ["app"] = "db" }), Timeout);
        await pods.PatchAsync("default", "b", KubePatch.Merge(JsonNode.Parse("""{"metadata":{"labels":{"app":"web"}}}""")!), Timeout);
        await pods.PatchAsync("default", "a", KubePatch.Merge(JsonNode.Parse("""{"metadata":{"labels":{"app":"other"}}}""")!), Timeout);
        await pods.DeleteAsync("default", "b", cancellationToken: Timeout);

        await EventuallyAsync(() => { lock (events) { return events.Count >= 4; } }, "four events");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watching);
        Assert.Equal(
            [(WatchEventType.Added, "a"), (WatchEventType.Added, "b"), (WatchEventType.Deleted, "a"), (WatchEventType.Deleted, "b")],
            events);
    }

    [Fact]
    public async Task Watch_from_a_compacted_resource_version_fails_with_expired()
    {
        var pods = Api.Pods();
        var list = await pods.ListAsync("default", cancellationToken: Timeout);
        await pods.CreateAsync(NewPod("a"), Timeout);
        Server.CompactHistory();
        var error = await Assert.ThrowsAsync<KubeApiException>(async () =>
        {
            await foreach (var _ in pods.WatchAsync("default", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }, Timeout))
            {
            }
        });
        Assert.True(error.IsExpired);
        Assert.Contains("too old resource version", error.Status.Message);
    }

    [Fact]
    public async Task Silent_watch_is_detected_by_the_watchdog()
    {
        var pods = Api.Pods();
        var watch = Task.Run(async () =>
        {
            await foreach (var _ in pods.WatchAsync("default", new WatchOptions { IdleTimeout = TimeSpan.FromMilliseconds(500) }, Timeout))
            {
            }
        });
        await EventuallyAsync(() => Server.OpenWatches == 1, "watch open");
        Server.SilenceWatches();
        await Assert.ThrowsAsync<WatchIdleException>(() => watch);
    }

    [Fact]
    public async Task Watch_timeout_ends_the_stream_normally()
    {
        var count = 0;
        await foreach (var _ in Api.Pods().WatchAsync("default", new WatchOptions { Timeout = TimeSpan.FromSeconds(1) }, Timeout))
        {
            count++;
        }

        Assert.Equal(0, count);
    }
}
