using Flamewatch.NodeCollector.Supervision;
using Flamewatch.NodeCollector.Tests.SimulatedNodes;
using Flamewatch.TestKit.Rbac;
using Flamewatch.TestKit.SimulatedNodes;
using k8s;
using static Flamewatch.NodeCollector.Tests.KubernetesMode.KubernetesModeFixture;

namespace Flamewatch.NodeCollector.Tests.KubernetesMode;

/// <summary>
/// <c>flamewatch-collector run</c> on a simulated node: Pod objects in the test API server, real .NET processes in
/// kubelet-named cgroups, profiles checked at the real agent through its query API, Events through the API server.
/// </summary>
public sealed class KubernetesModeTests(KubernetesModeFixture fixture) : IClassFixture<KubernetesModeFixture>
{
    private static readonly TimeSpan s_testTimeout = TimeSpan.FromMinutes(3);

    [SimulatedNodeFact]
    public async Task Profiles_only_the_annotated_pods_of_its_node_with_pod_metadata_tags()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var token = timeout.Token;
        var application = UniqueApplication("web");
        var elsewhereApplication = UniqueApplication("elsewhere");
        var web = await fixture.CreatePodAsync(application, Enabled(application, """{"team":"checkout"}"""),
            [("app", ContainerProgram.DotNet), ("sidecar", ContainerProgram.NotDotNet)], token);
        var plain = await fixture.CreatePodAsync(UniqueApplication("plain"), null,
            [("shell", ContainerProgram.NotDotNet), ("app", ContainerProgram.DotNet)], token);
        using var honeypot = new Honeypot(plain.Container("shell").HostPid);
        var elsewhere = await fixture.CreatePodAsync(elsewhereApplication, Enabled(elsewhereApplication), [("app", ContainerProgram.DotNet)], token, nodeName: "node-b");

        await fixture.Agent.WaitForProfilesAsync(application, null, n => n >= 1, token);

        var labels = await fixture.Agent.LabelsAsync(application, token);
        Assert.Equal([web.Name], labels[SessionSpec.PodNameTag]);
        Assert.Equal([Namespace], labels[SessionSpec.NamespaceTag]);
        Assert.Equal([NodeName], labels[SessionSpec.NodeTag]);
        Assert.Equal(["app"], labels[SessionSpec.ContainerTag]);
        Assert.Equal([web.Uid], labels[SessionSpec.PodUidTag]);
        Assert.Equal(["checkout"], labels["team"]);
        Assert.StartsWith(Environment.Version.ToString(), Assert.Single(labels[SessionSpec.RuntimeVersionTag]));

        var applications = await fixture.Agent.ApplicationsAsync(token);
        Assert.DoesNotContain(elsewhereApplication, applications.Keys);
        Assert.DoesNotContain(plain.Name, applications.Keys);
        Assert.Equal(0, honeypot.Connections);
        Assert.Empty(await fixture.EventsAsync(elsewhere, token));
        Assert.Empty(await fixture.EventsAsync(plain, token));
        var attached = await fixture.WaitForEventAsync(web, EventReasons.Attached, token);
        Assert.Equal("Normal", attached.Type);
        Assert.Contains("container app", attached.Message);
        Assert.Contains("sampled continuously", attached.Message);
        Assert.Equal(("flamewatch-collector", NodeName, "flamewatch-collector-" + NodeName), (attached.Source.Component, attached.Source.Host, attached.ReportingInstance));
        Assert.Contains(fixture.Api.Requests, r => r.PathAndQuery.StartsWith("/api/v1/pods", StringComparison.Ordinal)
            && Uri.UnescapeDataString(r.PathAndQuery).Contains("fieldSelector=spec.nodeName=" + NodeName, StringComparison.Ordinal));
    }

    [SimulatedNodeFact]
    public async Task A_pod_started_without_the_sampling_rate_is_reported_duty_cycled_with_what_to_do()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var token = timeout.Token;
        var application = UniqueApplication("before");
        var pod = await fixture.CreatePodAsync(application, Enabled(application), [("app", ContainerProgram.DotNet)], token, environment: new Dictionary<string, string>());

        var dutyCycled = await fixture.WaitForEventAsync(pod, EventReasons.DutyCycled, token);
        var attached = await fixture.WaitForEventAsync(pod, EventReasons.Attached, token);

        Assert.Equal("Normal", dutyCycled.Type);
        Assert.Contains("DOTNET_EventPipeThreadSamplingRate=A", dutyCycled.Message);
        Assert.Contains("Restart the pod to get continuous sampling", dutyCycled.Message);
        Assert.Contains("sampled duty-cycled", attached.Message);
        await fixture.Agent.WaitForProfilesAsync(application, null, n => n >= 1, token);
    }

    [SimulatedNodeFact]
    public async Task Applies_changed_settings_and_stops_when_the_annotation_is_removed()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var token = timeout.Token;
        var application = UniqueApplication("settings");
        var revision1 = new Dictionary<string, string> { ["rev"] = "1" };
        var revision2 = new Dictionary<string, string> { ["rev"] = "2" };
        var pod = await fixture.CreatePodAsync(application, Enabled(application, """{"rev":"1"}"""), [("app", ContainerProgram.DotNet)], token);
        var before = await fixture.Agent.WaitForProfilesAsync(application, revision1, n => n >= 1, token);
        await WaitForAFlushablePartialPeriodAsync(DateTimeOffset.UtcNow, token);

        await fixture.PatchAnnotationsAsync(pod, new Dictionary<string, string?> { ["flamewatch.io/labels"] = """{"rev":"2"}""" }, token);

        // The partial period under the old labels is flushed, and the new labels apply from the change on.
        await fixture.Agent.WaitForProfilesAsync(application, revision1, n => n > before, token);
        await fixture.Agent.WaitForProfilesAsync(application, revision2, n => n >= 1, token);
        var revision2SeenAt = DateTimeOffset.UtcNow;
        var oldLabelProfiles = await fixture.Agent.ProfileCountAsync(application, revision1, token);
        await WaitForAFlushablePartialPeriodAsync(revision2SeenAt, token);

        var counts = await fixture.SessionCountsAsync(token);
        await fixture.PatchAnnotationsAsync(pod, new Dictionary<string, string?> { ["flamewatch.io/enabled"] = null }, token);
        var removedAt = await fixture.Agent.ProfileCountAsync(application, revision2, token);
        var flushed = await fixture.Agent.WaitForProfilesAsync(application, revision2, n => n > removedAt, token);
        var after = await fixture.WaitForEndedSessionsAndTwoScansAsync(counts, 1, token);

        Assert.Equal(counts.Started, after.Started);
        Assert.Equal(flushed, await fixture.Agent.ProfileCountAsync(application, revision2, token));
        Assert.Equal(oldLabelProfiles, await fixture.Agent.ProfileCountAsync(application, revision1, token));
    }

    [SimulatedNodeFact]
    public async Task Deleting_a_pod_stops_its_sessions_after_flushing_the_partial_period()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var token = timeout.Token;
        var application = UniqueApplication("deleted");
        var pod = await fixture.CreatePodAsync(application, Enabled(application), [("app", ContainerProgram.DotNet)], token);
        await fixture.Agent.WaitForProfilesAsync(application, null, n => n >= 1, token);
        await WaitForAFlushablePartialPeriodAsync(DateTimeOffset.UtcNow, token);

        var counts = await fixture.SessionCountsAsync(token);
        var beforeDelete = await fixture.Agent.ProfileCountAsync(application, null, token);
        await fixture.Client.CoreV1.DeleteNamespacedPodAsync(pod.Name, Namespace, cancellationToken: token);
        var flushed = await fixture.Agent.WaitForProfilesAsync(application, null, n => n > beforeDelete, token);
        var after = await fixture.WaitForEndedSessionsAndTwoScansAsync(counts, 1, token);

        Assert.Equal(counts.Started, after.Started);
        Assert.Equal(flushed, await fixture.Agent.ProfileCountAsync(application, null, token));
        Assert.False(pod.Container("app").Launcher.HasExited, "the process itself keeps running; only profiling stops");
    }

    [SimulatedNodeFact]
    public async Task The_chart_grants_its_ServiceAccount_exactly_what_its_requests_need()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var token = timeout.Token;
        // A pod without a .NET process makes the collector record an Event, besides watching and listing pods.
        var application = UniqueApplication("rbac");
        var pod = await fixture.CreatePodAsync(application, Enabled(application), [("shell", ContainerProgram.NotDotNet)], token);
        await fixture.WaitForEventAsync(pod, EventReasons.NoDotNetProcess, token);

        var used = RbacRules.Used(fixture.Api.Requests, "flamewatch/");
        var granted = RbacRules.GrantedToWorkload(await RbacRules.RenderChartAsync(token), "DaemonSet", "-collector");
        Assert.Empty(used.Except(granted));
        Assert.Empty(granted.Except(used));
    }

    [SimulatedNodeFact]
    public async Task Bad_annotations_are_reported_by_key_and_profiling_goes_on_with_defaults()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var token = timeout.Token;
        var application = UniqueApplication("bad");
        var annotations = Enabled(application);
        annotations["flamewatch.io/sampling-frequency"] = "fast";
        annotations["flamewatch.io/labels"] = "team=checkout";
        annotations["flamewatch.io/profile-types"] = "cpu,gpu";
        var bad = await fixture.CreatePodAsync(application, annotations,
            [("app", ContainerProgram.DotNet), ("quiet", ContainerProgram.DotNetDiagnosticsDisabled)], token);
        var empty = await fixture.CreatePodAsync(UniqueApplication("empty"), Enabled(UniqueApplication("empty")), [("shell", ContainerProgram.NotDotNet)], token);

        await fixture.Agent.WaitForProfilesAsync(application, null, n => n >= 1, token);
        var disabled = await fixture.WaitForEventAsync(bad, EventReasons.DiagnosticsDisabled, token);
        var noProcess = await fixture.WaitForEventAsync(empty, EventReasons.NoDotNetProcess, token);

        var invalid = (await fixture.EventsAsync(bad, token)).Where(e => e.Reason == EventReasons.InvalidAnnotation).ToList();
        Assert.All(invalid, e => Assert.Equal("Warning", e.Type));
        Assert.Contains(invalid, e => e.Message!.StartsWith("flamewatch.io/sampling-frequency:", StringComparison.Ordinal));
        Assert.Contains(invalid, e => e.Message!.StartsWith("flamewatch.io/labels:", StringComparison.Ordinal));
        Assert.Contains(invalid, e => e.Message!.StartsWith("flamewatch.io/profile-types:", StringComparison.Ordinal) && e.Message.Contains("gpu", StringComparison.Ordinal));
        Assert.Equal(3, invalid.Count);
        Assert.Equal("Warning", disabled.Type);
        Assert.Contains("quiet", disabled.Message);
        Assert.Contains("shell", noProcess.Message);
        var labels = await fixture.Agent.LabelsAsync(application, token);
        Assert.Equal(["app"], labels[SessionSpec.ContainerTag]);
        Assert.False(labels.ContainsKey("team"));
    }

    [SimulatedNodeFact]
    public async Task A_killed_or_hung_target_does_not_disturb_the_others()
    {
        using var timeout = new CancellationTokenSource(s_testTimeout);
        var token = timeout.Token;
        var steadyApplication = UniqueApplication("steady");
        var doomedApplication = UniqueApplication("doomed");
        var hungApplication = UniqueApplication("hung");
        await fixture.CreatePodAsync(steadyApplication, Enabled(steadyApplication), [("app", ContainerProgram.DotNet)], token);
        var doomed = await fixture.CreatePodAsync(doomedApplication, Enabled(doomedApplication), [("app", ContainerProgram.DotNet)], token);
        var hung = await fixture.CreatePodAsync(hungApplication, Enabled(hungApplication), [("main", ContainerProgram.NotDotNet)], token);
        using var honeypot = new Honeypot(hung.Container("main").HostPid);
        await fixture.Agent.WaitForProfilesAsync(steadyApplication, null, n => n >= 1, token);
        await fixture.Agent.WaitForProfilesAsync(doomedApplication, null, n => n >= 1, token);

        var counts = await fixture.SessionCountsAsync(token);
        await doomed.Container("app").KillAsync(token);
        var steadyAtKill = await fixture.Agent.ProfileCountAsync(steadyApplication, null, token);

        var attachFailed = await fixture.WaitForEventAsync(hung, EventReasons.AttachFailed, token);
        await fixture.Agent.WaitForProfilesAsync(steadyApplication, null, n => n >= steadyAtKill + 2, token);
        var doomedProfiles = await fixture.Agent.ProfileCountAsync(doomedApplication, null, token);
        var after = await fixture.WaitForEndedSessionsAndTwoScansAsync(counts, 1, token);

        Assert.Equal("Warning", attachFailed.Type);
        Assert.Contains("Timeout", attachFailed.Message);
        Assert.True(honeypot.Connections >= 1, "the annotated pod's socket was never tried");
        Assert.Equal(counts.Started, after.Started);
        Assert.Equal(doomedProfiles, await fixture.Agent.ProfileCountAsync(doomedApplication, null, token));
        Assert.True(await fixture.Agent.ProfileCountAsync(steadyApplication, null, token) >= steadyAtKill + 2);
        var health = await fixture.CollectorClient.GetAsync("healthz", token);
        Assert.True(health.IsSuccessStatusCode);
        Assert.True(await fixture.MetricAsync("flamewatch_collector_sessions_active", token) >= 1);
        Assert.True(await fixture.MetricAsync("flamewatch_collector_uploads_total{result=\"success\"}", token) >= 4);
    }
}
