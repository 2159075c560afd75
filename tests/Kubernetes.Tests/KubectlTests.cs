using System.Text.Json.Nodes;
using Flamewatch.TestKit;
using k8s;
using k8s.Autorest;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>Real kubectl v1.35 against the test API server: where they disagree, the server is wrong.</summary>
public sealed class KubectlTests : ServerTestBase, IDisposable
{
    private const string ProfileYaml = """
        apiVersion: fixtures.flamewatch.io/v1alpha1
        kind: TestProfile
        metadata:
          name: web
        spec:
          applicationName: web-app
          selector:
            matchLabels: {app: web}
          labels: {team: payments}
        """;

    public void Dispose() => Kubectl.CleanUp(Server.KubeconfigPath);

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] args) => Kubectl.RunAsync(Server.KubeconfigPath, null, Timeout, args);

    private Task<(int ExitCode, string Stdout, string Stderr)> Apply(string yaml) => Kubectl.RunAsync(Server.KubeconfigPath, yaml, Timeout, "apply", "-f", "-");

    [KubectlFact]
    public async Task Apply_crd_and_custom_resource_then_get_shows_defaults_and_printer_columns()
    {
        var crd = await Run("apply", "-f", CustomResourceTests.CrdPath);
        Assert.True(crd.ExitCode == 0, crd.Stderr);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/testprofiles.fixtures.flamewatch.io created", crd.Stdout);

        var applied = await Apply(ProfileYaml);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        Assert.Contains("testprofile.fixtures.flamewatch.io/web created", applied.Stdout);

        var json = await Run("get", "tprof", "web", "-o", "json");
        var spec = JsonNode.Parse(json.Stdout)!["spec"]!;
        Assert.Equal("45s", spec["period"]!.GetValue<string>());
        Assert.Equal(100, spec["samplingFrequency"]!.GetValue<int>());

        var table = await Run("get", "testprofiles");
        Assert.Matches(@"NAME\s+APPLICATION\s+MATCHED\s+PERIOD\s+AGE", table.Stdout);
        Assert.Matches(@"web\s+web-app\s+\S+\s+45s", table.Stdout);

        // Re-apply with a change: kubectl sends a merge patch (custom resources have no strategic merge).
        var reapplied = await Apply(ProfileYaml.Replace("web-app", "web-v2", StringComparison.Ordinal));
        Assert.True(reapplied.ExitCode == 0, reapplied.Stderr);
        Assert.Contains("configured", reapplied.Stdout);
        Assert.Contains(Server.Requests, r => r.Method == "PATCH" && r.ContentType == "application/merge-patch+json" && r.PathAndQuery.Contains("/testprofiles/web", StringComparison.Ordinal));
        using var raw = Server.CreateRawClient();
        var stored = await raw.GetAsync(RawApiClient.PathOf(TestProfile.Group, TestProfile.Version, TestProfile.Plural, "default", "web"), Timeout);
        Assert.Equal("web-v2", stored["spec"]!["applicationName"]!.GetValue<string>());
        Assert.Equal(2, stored["metadata"]!["generation"]!.GetValue<long>());

        var explain = await Run("explain", "testprofile.spec.period");
        Assert.True(explain.ExitCode == 0, explain.Stderr);
        Assert.Contains("FIELD: period <string>", explain.Stdout);
    }

    [KubectlFact]
    public async Task Invalid_custom_resource_is_rejected_with_the_field_named()
    {
        Assert.Equal(0, (await Run("apply", "-f", CustomResourceTests.CrdPath)).ExitCode);
        var bad = await Apply(ProfileYaml.Replace("labels: {team: payments}", "samplingFrequency: 5000", StringComparison.Ordinal));
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("The TestProfile \"web\" is invalid: spec.samplingFrequency: Invalid value: 5000", bad.Stderr);

        var cel = await Apply(ProfileYaml.Replace("labels: {team: payments}", "period: 30s\n  uploadTimeout: 1m", StringComparison.Ordinal));
        Assert.NotEqual(0, cel.ExitCode);
        Assert.Contains("spec: Invalid value: \"object\": uploadTimeout must be shorter than period", cel.Stderr);

        var unknown = await Apply(ProfileYaml.Replace("labels: {team: payments}", "sampleRate: 5", StringComparison.Ordinal));
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("unknown field \"spec.sampleRate\"", unknown.Stderr);
    }

    [KubectlFact]
    public async Task Create_get_label_annotate_delete_pods()
    {
        var create = await Run("run", "web", "--image=example/web:1.0", "--labels=app=web");
        Assert.True(create.ExitCode == 0, create.Stderr);
        Assert.Contains("pod/web created", create.Stdout);

        var label = await Run("label", "pod", "web", "tier=front");
        Assert.True(label.ExitCode == 0, label.Stderr);
        var annotate = await Run("annotate", "pod", "web", "flamewatch.io/enabled=true");
        Assert.True(annotate.ExitCode == 0, annotate.Stderr);
        var pod = await Client.CoreV1.ReadNamespacedPodAsync("web", "default", cancellationToken: Timeout);
        Assert.Equal("front", pod.Metadata.Labels!["tier"]);
        Assert.Equal("true", pod.Metadata.Annotations!["flamewatch.io/enabled"]);
        Assert.Contains(Server.Requests, r => r.Method == "PATCH" && r.UserAgent.StartsWith("kubectl", StringComparison.Ordinal) && r.ContentType == "application/merge-patch+json");

        var get = await Run("get", "pods", "-l", "tier=front");
        Assert.Matches(@"NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE", get.Stdout);
        Assert.Matches(@"web\s+0/1\s+Pending\s+0", get.Stdout);

        var unlabel = await Run("label", "pod", "web", "tier-");
        Assert.True(unlabel.ExitCode == 0, unlabel.Stderr);
        Assert.False((await Client.CoreV1.ReadNamespacedPodAsync("web", "default", cancellationToken: Timeout)).Metadata.Labels!.ContainsKey("tier"));

        var delete = await Run("delete", "pod", "web");
        Assert.True(delete.ExitCode == 0, delete.Stderr);
        var deleted = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespacedPodAsync("web", "default", cancellationToken: Timeout));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, deleted.Response.StatusCode);

        var missing = await Run("get", "pod", "web");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("pods \"web\" not found", missing.Stderr);
    }

    [KubectlFact]
    public async Task Generators_send_protobuf_and_wait_uses_watch_list()
    {
        Assert.Equal(0, (await Run("apply", "-f", CustomResourceTests.CrdPath)).ExitCode);
        var established = await Run("wait", "--for=condition=established", "crd/testprofiles.fixtures.flamewatch.io", "--timeout=20s");
        Assert.True(established.ExitCode == 0, established.Stderr);

        var ns = await Run("create", "namespace", "team-a");
        Assert.True(ns.ExitCode == 0, ns.Stderr);
        var cm = await Run("-n", "team-a", "create", "configmap", "settings", "--from-literal=period=45s");
        Assert.True(cm.ExitCode == 0, cm.Stderr);
        Assert.Contains(Server.Requests, r => r.ContentType == "application/vnd.kubernetes.protobuf");
        var data = await Run("-n", "team-a", "get", "configmap", "settings", "-o", "jsonpath={.data.period}");
        Assert.Equal("45s", data.Stdout);
        var label = await Run("get", "namespace", "team-a", "-o", "jsonpath={.metadata.labels.kubernetes\\.io/metadata\\.name}");
        Assert.Equal("team-a", label.Stdout);
    }

    [KubectlFact]
    public async Task Get_watch_sees_changes()
    {
        using var watch = Kubectl.Start(Server.KubeconfigPath, "get", "pods", "-w", "--output-watch-events");
        var lines = new List<string>();
        var reader = Task.Run(async () =>
        {
            while (await watch.StandardOutput.ReadLineAsync(Timeout) is { } line)
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields is [("ADDED" or "MODIFIED" or "DELETED") and var type, var name, ..])
                {
                    lock (lines)
                    {
                        lines.Add($"{type} {name}");
                    }
                }
            }
        });
        try
        {
            await EventuallyAsync(() => Server.OpenWatches >= 1, "kubectl's watch is open");
            await CreatePodAsync(NewPod("watched"));
            await AnnotatePodAsync("watched", "a", "b");
            await DeletePodAsync("watched");
            await EventuallyAsync(() => { lock (lines) { return lines.Count >= 3; } }, "three watch lines");
            lock (lines)
            {
                Assert.Equal(["ADDED watched", "MODIFIED watched", "DELETED watched"], lines.Take(3));
            }
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
            await watch.WaitForExitAsync(Timeout);
        }
    }

    [KubectlFact]
    public async Task Events_of_events_k8s_io_written_by_the_official_client_are_listed_by_kubectl()
    {
        using var client = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath));
        await client.EventsV1.CreateNamespacedEventAsync(
            new k8s.Models.Eventsv1Event
            {
                Metadata = new k8s.Models.V1ObjectMeta { Name = "web.1" },
                EventTime = DateTime.UtcNow,
                Regarding = new k8s.Models.V1ObjectReference { Kind = "Pod", Name = "web", NamespaceProperty = "default", ApiVersion = "v1" },
                Type = "Normal",
                Reason = "Attached",
                Note = "profiling 1 process",
                Action = "Attach",
                ReportingController = "flamewatch.io/collector",
                ReportingInstance = "node-1",
            },
            "default",
            cancellationToken: Timeout);

        var listed = await Run("get", "events.v1.events.k8s.io", "-o", "json");
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        var item = Assert.Single(JsonNode.Parse(listed.Stdout)!["items"]!.AsArray());
        Assert.Equal("events.k8s.io/v1", item!["apiVersion"]!.GetValue<string>());
        Assert.Equal("profiling 1 process", item["note"]!.GetValue<string>());
        Assert.Equal("web", item["regarding"]!["name"]!.GetValue<string>());
    }
}
