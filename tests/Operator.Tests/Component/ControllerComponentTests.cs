using System.Net;
using System.Text.Json.Nodes;
using Flamewatch.Contracts;
using Flamewatch.Contracts.Api.V1Alpha1;
using k8s.Models;

namespace Flamewatch.Operator.Tests.Component;

/// <summary>
/// The operator as it runs in production (same host, flags, HTTP client, informers) against the test API server:
/// what a user sees on pods and on the ContinuousProfile after kubectl-like changes.
/// </summary>
public sealed class ControllerComponentTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(90);

    private static V1Alpha1ContinuousProfileSpec Selecting(string app, string? applicationName = null) =>
        new() { ApplicationName = applicationName, Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } } };

    private static Dictionary<string, string> App(string app) => new() { ["app"] = app };

    [Fact]
    public async Task A_new_profile_annotates_matching_pods_and_pods_created_later()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        await h.CreatePodAsync("checkout-1", App("checkout"), cancellationToken: ct);
        await h.CreatePodAsync("cart-1", App("cart"), cancellationToken: ct);
        await h.StartOperatorAsync(ct);

        var spec = Selecting("checkout", "checkout-svc");
        spec.Labels = new() { ["team"] = "payments" };
        spec.Period = "1m";
        await h.CreateProfileAsync("checkout", spec, ct);

        await h.WaitForManagedByAsync("checkout-1", "checkout", "checkout-1 is annotated", ct);
        var annotations = await h.FlamewatchAnnotationsAsync("checkout-1", ct);
        Assert.Equal("true", annotations[FlamewatchAnnotations.Enabled]);
        Assert.Equal("checkout-svc", annotations[FlamewatchAnnotations.ApplicationName]);
        Assert.Equal("1m", annotations[FlamewatchAnnotations.Period]);
        Assert.Equal("10s", annotations[FlamewatchAnnotations.UploadTimeout]);
        Assert.Equal("""{"team":"payments"}""", annotations[FlamewatchAnnotations.Labels]);
        var read = PodAnnotationReader.Read(annotations, "fallback");
        Assert.Empty(read.Errors);
        Assert.True(read.Enabled);

        await h.CreatePodAsync("checkout-2", App("checkout"), cancellationToken: ct);
        await h.WaitForManagedByAsync("checkout-2", "checkout", "checkout-2, created later, is annotated", ct);

        await OperatorHarness.EventuallyAsync(
            async () =>
            {
                var profile = await h.GetProfileAsync("checkout", ct);
                return profile.Status is { MatchedPods: 2, ObservedGeneration: 1 }
                    && profile.Status.FindCondition("Ready") is { Status: "True", Reason: "PodsAnnotated" }
                    && profile.Status.FindCondition("Conflict") is { Status: "False" }
                    && profile.Metadata.Finalizers?.Contains(V1Alpha1ContinuousProfile.Finalizer) == true;
            },
            "the status shows 2 matched pods, Ready and no Conflict, and the finalizer is set",
            ct);
        Assert.Empty(await h.FlamewatchAnnotationsAsync("cart-1", ct));

        var events = await h.EventsAsync(ct);
        Assert.Contains(events, e => e.Reason == "PodsSelected" && e.InvolvedObject?.Name == "checkout");
    }

    [Fact]
    public async Task Relabel_selector_edit_and_suspend_remove_exactly_the_operator_keys()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        await h.CreatePodAsync("checkout-1", App("checkout"), new() { ["owner"] = "payments" }, ct);
        await h.CreatePodAsync("checkout-2", App("checkout"), cancellationToken: ct);
        await h.CreatePodAsync("worker-1", new() { ["app"] = "checkout", ["tier"] = "worker" }, cancellationToken: ct);
        await h.StartOperatorAsync(ct);
        await h.CreateProfileAsync("checkout", Selecting("checkout"), ct);
        foreach (var pod in new[] { "checkout-1", "checkout-2", "worker-1" })
        {
            await h.WaitForManagedByAsync(pod, "checkout", $"{pod} is annotated", ct);
        }

        // Relabel: the pod stops matching and loses the flamewatch.io keys, but keeps its own annotation.
        await h.RelabelPodAsync("checkout-1", new() { ["app"] = "legacy" }, ct);
        await OperatorHarness.EventuallyAsync(async () => (await h.FlamewatchAnnotationsAsync("checkout-1", ct)).Count == 0, "checkout-1 loses its flamewatch.io annotations", ct);
        Assert.Equal("payments", (await h.AnnotationsAsync("checkout-1", ct))["owner"]);

        // Selector edit: workers are excluded.
        await h.PatchProfileSpecAsync(
            "checkout",
            JsonNode.Parse("""{"selector":{"matchLabels":{"app":"checkout"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["worker"]}]}}""")!.AsObject(),
            ct);
        await OperatorHarness.EventuallyAsync(async () => (await h.FlamewatchAnnotationsAsync("worker-1", ct)).Count == 0, "worker-1 is released after the selector edit", ct);
        Assert.Equal("checkout", await h.ManagedByAsync("checkout-2", ct));

        // Suspend: everything is released; Ready turns False/Suspended.
        await h.PatchProfileSpecAsync("checkout", new JsonObject { ["suspend"] = true }, ct);
        await OperatorHarness.EventuallyAsync(async () => (await h.FlamewatchAnnotationsAsync("checkout-2", ct)).Count == 0, "checkout-2 is released on suspend", ct);
        await h.WaitForConditionAsync("checkout", "Ready", c => c is { Status: "False", Reason: "Suspended" }, "Ready is False/Suspended", ct);

        // Resume.
        await h.PatchProfileSpecAsync("checkout", new JsonObject { ["suspend"] = false }, ct);
        await h.WaitForManagedByAsync("checkout-2", "checkout", "checkout-2 is annotated again after resuming", ct);
    }

    [Fact]
    public async Task Two_profiles_on_one_pod_the_oldest_wins_and_the_other_reports_the_conflict()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        await h.CreatePodAsync("checkout-1", App("checkout"), cancellationToken: ct);
        await h.CreatePodAsync("cart-1", App("cart"), cancellationToken: ct);
        await h.StartOperatorAsync(ct);
        await h.CreateProfileAsync("checkout", Selecting("checkout"), ct);
        await h.WaitForManagedByAsync("checkout-1", "checkout", "checkout-1 is annotated by checkout", ct);

        // Creation timestamps have one-second resolution: the second profile is made strictly younger.
        h.ServerClock.Offset += TimeSpan.FromSeconds(1.1);
        await h.CreateProfileAsync("everything", new V1Alpha1ContinuousProfileSpec { Selector = new() }, ct);

        await h.WaitForManagedByAsync("cart-1", "everything", "cart-1 is annotated by the younger profile", ct);
        await h.WaitForConditionAsync("everything", "Conflict", c => c is { Status: "True" } && c.Message.Contains("checkout-1", StringComparison.Ordinal) && c.Message.Contains("checkout", StringComparison.Ordinal), "the younger profile reports Conflict naming checkout-1", ct);
        Assert.Equal("checkout", await h.ManagedByAsync("checkout-1", ct));

        // The older profile goes away: the younger one takes the pod over and the conflict clears.
        await h.DeleteProfileAsync("checkout", ct);
        await h.WaitForManagedByAsync("checkout-1", "everything", "checkout-1 passes to the remaining profile", ct);
        await h.WaitForConditionAsync("everything", "Conflict", c => c is { Status: "False" }, "the conflict clears", ct);
    }

    [Fact]
    public async Task A_pod_a_user_opted_in_by_hand_is_never_touched()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        var handWritten = new Dictionary<string, string> { [FlamewatchAnnotations.Enabled] = "true", [FlamewatchAnnotations.Period] = "2m" };
        await h.CreatePodAsync("checkout-1", App("checkout"), new(handWritten), ct);
        await h.CreatePodAsync("checkout-2", App("checkout"), cancellationToken: ct);
        await h.StartOperatorAsync(ct);
        await h.CreateProfileAsync("checkout", Selecting("checkout"), ct);

        await h.WaitForManagedByAsync("checkout-2", "checkout", "checkout-2 is annotated", ct);
        await h.WaitForConditionAsync("checkout", "Ready", c => c?.Message.Contains("checkout-1", StringComparison.Ordinal) == true, "the Ready message names the hand-annotated pod", ct);
        Assert.Equal(handWritten, await h.FlamewatchAnnotationsAsync("checkout-1", ct));

        await h.DeleteProfileAsync("checkout", ct);
        await OperatorHarness.EventuallyAsync(async () => await h.TryGetProfileAsync("checkout", ct) is null, "the profile is gone", ct);
        Assert.Equal(handWritten, await h.FlamewatchAnnotationsAsync("checkout-1", ct));
        Assert.Empty(await h.FlamewatchAnnotationsAsync("checkout-2", ct));
    }

    [Fact]
    public async Task Deleting_a_profile_cleans_every_pod_before_it_disappears_even_when_the_operator_was_down()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        for (var i = 0; i < 5; i++)
        {
            await h.CreatePodAsync($"checkout-{i}", App("checkout"), cancellationToken: ct);
        }

        var (op, _) = await h.StartOperatorAsync(ct);
        await h.CreateProfileAsync("checkout", Selecting("checkout"), ct);
        await h.CreateProfileAsync("cart", Selecting("cart"), ct);
        for (var i = 0; i < 5; i++)
        {
            var pod = $"checkout-{i}";
            await h.WaitForManagedByAsync(pod, "checkout", $"{pod} is annotated", ct);
        }

        // Deleted while running: the finalizer holds the object until the pods are clean.
        await h.DeleteProfileAsync("checkout", ct);
        await OperatorHarness.EventuallyAsync(async () => await h.TryGetProfileAsync("checkout", ct) is null, "the profile is deleted", ct);
        for (var i = 0; i < 5; i++)
        {
            Assert.Empty(await h.FlamewatchAnnotationsAsync($"checkout-{i}", ct));
        }

        // Deleted while no operator runs: it stays (Terminating) and is cleaned up when an operator comes back.
        await h.CreatePodAsync("cart-1", App("cart"), cancellationToken: ct);
        await h.WaitForManagedByAsync("cart-1", "cart", "cart-1 is annotated", ct);
        await h.StopOperatorAsync(op);
        await h.DeleteProfileAsync("cart", ct);
        var terminating = await h.GetProfileAsync("cart", ct);
        Assert.NotNull(terminating.Metadata.DeletionTimestamp);
        Assert.Equal("cart", await h.ManagedByAsync("cart-1", ct));

        await h.StartOperatorAsync(ct);
        await OperatorHarness.EventuallyAsync(async () => await h.TryGetProfileAsync("cart", ct) is null, "the profile deleted during the downtime is released", ct);
        Assert.Empty(await h.FlamewatchAnnotationsAsync("cart-1", ct));
    }

    [Fact]
    public async Task An_operator_restarted_mid_way_converges_on_what_changed_meanwhile()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        await h.CreatePodAsync("checkout-1", App("checkout"), cancellationToken: ct);
        var (op, _) = await h.StartOperatorAsync(ct);
        await h.CreateProfileAsync("checkout", Selecting("checkout"), ct);
        await h.WaitForManagedByAsync("checkout-1", "checkout", "checkout-1 is annotated", ct);
        await h.StopOperatorAsync(op);

        await h.CreatePodAsync("checkout-2", App("checkout"), cancellationToken: ct);
        await h.RelabelPodAsync("checkout-1", new() { ["app"] = "legacy" }, ct);
        await h.PatchProfileSpecAsync("checkout", new JsonObject { ["samplingFrequency"] = 50 }, ct);

        await h.StartOperatorAsync(ct);
        await OperatorHarness.EventuallyAsync(async () => (await h.FlamewatchAnnotationsAsync("checkout-2", ct)).GetValueOrDefault(FlamewatchAnnotations.SamplingFrequency) == "50", "the new pod carries the new frequency", ct);
        await OperatorHarness.EventuallyAsync(async () => (await h.FlamewatchAnnotationsAsync("checkout-1", ct)).Count == 0, "the relabelled pod is released", ct);
        await OperatorHarness.EventuallyAsync(async () => (await h.GetProfileAsync("checkout", ct)).Status?.ObservedGeneration == 2, "observedGeneration follows the spec edit", ct);
    }

    [Fact]
    public async Task Dropped_watches_and_compacted_history_do_not_lose_changes()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        await h.StartOperatorAsync(ct);
        await h.CreateProfileAsync("checkout", Selecting("checkout"), ct);
        await h.CreatePodAsync("checkout-1", App("checkout"), cancellationToken: ct);
        await h.WaitForManagedByAsync("checkout-1", "checkout", "checkout-1 is annotated", ct);

        for (var round = 0; round < 3; round++)
        {
            h.DropWatches();
            await h.CreatePodAsync($"late-{round}", App("checkout"), cancellationToken: ct);
            await h.RelabelPodAsync("checkout-1", new() { ["app"] = round % 2 == 0 ? "legacy" : "checkout" }, ct);
            h.Server.CompactHistory();
            h.DropWatches();
        }

        for (var round = 0; round < 3; round++)
        {
            var pod = $"late-{round}";
            await h.WaitForManagedByAsync(pod, "checkout", $"{pod} is annotated despite dropped watches", ct);
        }

        await OperatorHarness.EventuallyAsync(async () => (await h.FlamewatchAnnotationsAsync("checkout-1", ct)).Count == 0, "the last relabel (to legacy) is seen", ct);
    }

    [Fact]
    public async Task A_pod_whose_patch_keeps_failing_does_not_block_the_others_and_is_reported()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        await h.CreatePodAsync("broken", App("checkout"), cancellationToken: ct);
        await h.CreatePodAsync("healthy", App("checkout"), cancellationToken: ct);
        h.Server.FailRequests(500, times: -1, match: r => r.Method == "PATCH" && r.Path.Value!.EndsWith("/pods/broken", StringComparison.Ordinal));
        await h.StartOperatorAsync(ct);
        await h.CreateProfileAsync("checkout", Selecting("checkout"), ct);

        await h.WaitForManagedByAsync("healthy", "checkout", "the healthy pod is annotated", ct);
        await h.WaitForConditionAsync("checkout", "Ready", c => c is { Status: "False", Reason: "PodPatchFailed" } && c.Message.Contains("broken", StringComparison.Ordinal), "Ready is False/PodPatchFailed naming the broken pod", ct);

        h.Server.ClearFaults();
        await h.WaitForManagedByAsync("broken", "checkout", "the pod is annotated once patches succeed again (retried with backoff)", ct);
        await h.WaitForConditionAsync("checkout", "Ready", c => c is { Status: "True" }, "Ready returns to True", ct);
    }

    [Fact]
    public async Task Health_readiness_and_controller_runtime_metrics_are_served()
    {
        using var cts = new CancellationTokenSource(TestTimeout);
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        var (_, url) = await h.StartOperatorAsync(ct);
        using var http = new HttpClient { BaseAddress = url };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz", ct)).StatusCode);
        await OperatorHarness.EventuallyAsync(async () => (await http.GetAsync("/readyz", ct)).StatusCode == HttpStatusCode.OK, "/readyz turns OK once the caches synced", ct);

        var before = await http.GetStringAsync("/metrics", ct);
        foreach (var series in new[]
        {
            "controller_runtime_reconcile_total{controller=\"continuousprofile\",result=\"success\"}",
            "controller_runtime_reconcile_total{controller=\"continuousprofile\",result=\"error\"} 0",
            "controller_runtime_reconcile_total{controller=\"continuousprofile\",result=\"requeue_after\"} 0",
            "controller_runtime_reconcile_errors_total{controller=\"continuousprofile\"} 0",
            "controller_runtime_reconcile_time_seconds_bucket{controller=\"continuousprofile\",le=\"+Inf\"}",
            "workqueue_depth{controller=\"continuousprofile\",name=\"continuousprofile\"}",
            "workqueue_adds_total{controller=\"continuousprofile\",name=\"continuousprofile\"}",
            "workqueue_retries_total{controller=\"continuousprofile\",name=\"continuousprofile\"} 0",
        })
        {
            Assert.Contains(series, before, StringComparison.Ordinal);
        }

        await h.CreatePodAsync("checkout-1", App("checkout"), cancellationToken: ct);
        await h.CreateProfileAsync("checkout", Selecting("checkout"), ct);
        await h.WaitForManagedByAsync("checkout-1", "checkout", "checkout-1 is annotated", ct);
        var after = await http.GetStringAsync("/metrics", ct);
        Assert.Matches(@"controller_runtime_reconcile_total\{controller=""continuousprofile"",result=""success""\} [1-9]", after);
        Assert.Matches(@"workqueue_adds_total\{controller=""continuousprofile"",name=""continuousprofile""\} [1-9]", after);
    }

    [Fact]
    public async Task With_leader_election_only_the_leader_writes_and_a_standby_takes_over()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var ct = cts.Token;
        await using var h = await OperatorHarness.StartAsync(ct);
        string[] election = ["--leader-elect", "true", "--lease-namespace", OperatorHarness.Namespace, "Operator:LeaseDuration=00:00:03", "Operator:RenewDeadline=00:00:02", "Operator:RetryPeriod=00:00:00.500"];
        var (first, firstUrl) = await h.StartOperatorAsync(ct, [.. election, "--identity", "first"]);
        await OperatorHarness.EventuallyAsync(
            async () => await h.LeaseHolderAsync("flamewatch-operator", ct) == "first",
            "the first operator holds the Lease",
            ct);
        var (_, secondUrl) = await h.StartOperatorAsync(ct, [.. election, "--identity", "second"]);
        using var http = new HttpClient();
        await OperatorHarness.EventuallyAsync(async () => (await http.GetAsync(new Uri(secondUrl, "/readyz"), ct)).IsSuccessStatusCode, "the standby's caches sync", ct);

        await h.CreatePodAsync("checkout-1", App("checkout"), cancellationToken: ct);
        await h.CreateProfileAsync("checkout", Selecting("checkout"), ct);
        await h.WaitForManagedByAsync("checkout-1", "checkout", "checkout-1 is annotated", ct);
        Assert.Contains("leader_election_master_status{name=\"flamewatch-operator\"} 1", await http.GetStringAsync(new Uri(firstUrl, "/metrics"), ct), StringComparison.Ordinal);
        var standbyMetrics = await http.GetStringAsync(new Uri(secondUrl, "/metrics"), ct);
        Assert.Contains("leader_election_master_status{name=\"flamewatch-operator\"} 0", standbyMetrics, StringComparison.Ordinal);
        Assert.Contains("controller_runtime_reconcile_total{controller=\"continuousprofile\",result=\"success\"} 0", standbyMetrics, StringComparison.Ordinal);

        await h.StopOperatorAsync(first);
        await OperatorHarness.EventuallyAsync(
            async () => await h.LeaseHolderAsync("flamewatch-operator", ct) == "second",
            "the standby takes the Lease over",
            ct);
        await h.CreatePodAsync("checkout-2", App("checkout"), cancellationToken: ct);
        await h.WaitForManagedByAsync("checkout-2", "checkout", "the new leader annotates a new pod", ct);
    }
}
