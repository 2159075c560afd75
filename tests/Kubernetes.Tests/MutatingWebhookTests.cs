using System.Text.Json.Nodes;
using Flamewatch.TestKit.Webhooks;
using Xunit;

namespace Flamewatch.Kubernetes.Tests;

/// <summary>
/// The test API server calls mutating admission webhooks on create as kube-apiserver does; driven with the real kubectl
/// (configuration applied and pods created with kubectl, the stored pod read back with kubectl).
/// </summary>
public sealed class MutatingWebhookTests : ServerTestBase, IDisposable
{
    private static readonly JsonArray AddLabel = [new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels/mutated", ["value"] = "yes" }];

    public void Dispose() => Kubectl.CleanUp(Server.KubeconfigPath);

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] args) => Kubectl.RunAsync(Server.KubeconfigPath, null, Timeout, args);

    private async Task ApplyAsync(string yaml)
    {
        var applied = await Kubectl.RunAsync(Server.KubeconfigPath, yaml, Timeout, "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.Stderr);
    }

    private static string Configuration(string clientConfig, string failurePolicy = "Fail", int timeoutSeconds = 2, string namespaceSelector = "{}", string objectSelector = "{}", string sideEffects = "None") => $$"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata:
          name: test-mutator
        webhooks:
        - name: pods.mutator.example.com
          admissionReviewVersions: [v1]
          sideEffects: {{sideEffects}}
          failurePolicy: {{failurePolicy}}
          timeoutSeconds: {{timeoutSeconds}}
          namespaceSelector: {{namespaceSelector}}
          objectSelector: {{objectSelector}}
          clientConfig:
        {{clientConfig}}
          rules:
          - operations: [CREATE]
            apiGroups: [""]
            apiVersions: [v1]
            resources: [pods]
            scope: Namespaced
        """;

    private static string Url(FakeWebhook webhook, string path = "mutate") => $"    url: {webhook.Url}{path}\n    caBundle: {webhook.CaBundle}";

    private async Task<string?> LabelOfAsync(string pod)
    {
        var got = await Run("get", "pod", pod, "-o", "jsonpath={.metadata.labels.mutated}");
        Assert.True(got.ExitCode == 0, got.Stderr);
        return got.Stdout.Length == 0 ? null : got.Stdout;
    }

    [KubectlFact]
    public async Task Kubectl_run_stores_the_pod_as_the_webhook_patched_it_and_the_webhook_saw_an_AdmissionReview_v1()
    {
        await using var webhook = await FakeWebhook.StartAsync(_ => Task.FromResult(FakeWebhook.Patch(AddLabel)));
        await ApplyAsync(Configuration(Url(webhook)));

        var run = await Run("run", "web", "--image=example/web:1", "--labels=app=web");
        Assert.True(run.ExitCode == 0, run.Stderr);

        Assert.Equal("yes", await LabelOfAsync("web"));
        var request = Assert.Single(webhook.Requests);
        Assert.Equal("CREATE", request["operation"]!.GetValue<string>());
        Assert.Equal("default", request["namespace"]!.GetValue<string>());
        Assert.Equal("pods", request["resource"]!["resource"]!.GetValue<string>());
        Assert.Equal("Pod", request["object"]!["kind"]!.GetValue<string>());
        Assert.Equal("web", request["object"]!["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Contains(Server.WebhookCalls, call => call.Webhook == "pods.mutator.example.com" && call.Outcome == "patched");
    }

    [KubectlFact]
    public async Task Namespace_and_object_selectors_decide_which_pods_reach_the_webhook()
    {
        await using var webhook = await FakeWebhook.StartAsync(_ => Task.FromResult(FakeWebhook.Patch(AddLabel)));
        await ApplyAsync(Configuration(
            Url(webhook),
            namespaceSelector: "{matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, flamewatch]}]}",
            objectSelector: "{matchExpressions: [{key: skip-me, operator: DoesNotExist}]}"));
        Assert.Equal(0, (await Run("create", "namespace", "flamewatch")).ExitCode);

        Assert.Equal(0, (await Run("run", "in-default", "--image=x")).ExitCode);
        Assert.Equal(0, (await Run("run", "in-system", "--image=x", "-n", "kube-system")).ExitCode);
        Assert.Equal(0, (await Run("run", "in-own", "--image=x", "-n", "flamewatch")).ExitCode);
        Assert.Equal(0, (await Run("run", "labelled-out", "--image=x", "--labels=skip-me=1")).ExitCode);

        Assert.Equal("yes", await LabelOfAsync("in-default"));
        Assert.Null((await Run("get", "pod", "in-system", "-n", "kube-system", "-o", "jsonpath={.metadata.labels.mutated}")).Stdout is { Length: > 0 } s ? s : null);
        Assert.Null((await Run("get", "pod", "in-own", "-n", "flamewatch", "-o", "jsonpath={.metadata.labels.mutated}")).Stdout is { Length: > 0 } t ? t : null);
        Assert.Null(await LabelOfAsync("labelled-out"));
        Assert.Single(webhook.Requests);
    }

    [KubectlFact]
    public async Task A_slow_webhook_times_out_then_failurePolicy_decides_between_admitting_unchanged_and_refusing()
    {
        await using var webhook = await FakeWebhook.StartAsync(async _ =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            return FakeWebhook.Patch(AddLabel);
        });
        await ApplyAsync(Configuration(Url(webhook), failurePolicy: "Ignore", timeoutSeconds: 1));
        var started = DateTime.UtcNow;
        Assert.Equal(0, (await Run("run", "ignored", "--image=x")).ExitCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2.8), "the server waited past timeoutSeconds");
        Assert.Null(await LabelOfAsync("ignored"));
        Assert.Contains(Server.WebhookCalls, call => call.Outcome.Contains("context deadline exceeded", StringComparison.Ordinal));

        await ApplyAsync(Configuration(Url(webhook), failurePolicy: "Fail", timeoutSeconds: 1));
        var refused = await Run("run", "refused", "--image=x");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("failed calling webhook \"pods.mutator.example.com\"", refused.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, (await Run("get", "pod", "refused")).ExitCode);
    }

    [KubectlFact]
    public async Task A_webhook_that_is_down_or_untrusted_fails_and_Ignore_admits_the_pod_unchanged()
    {
        FakeWebhook down = await FakeWebhook.StartAsync(_ => Task.FromResult(FakeWebhook.Patch(AddLabel)));
        var downConfig = Url(down);
        await down.DisposeAsync();
        await ApplyAsync(Configuration(downConfig, failurePolicy: "Ignore"));
        Assert.Equal(0, (await Run("run", "while-down", "--image=x")).ExitCode);
        Assert.Null(await LabelOfAsync("while-down"));

        await using var untrusted = await FakeWebhook.StartAsync(_ => Task.FromResult(FakeWebhook.Patch(AddLabel)));
        await using var other = await FakeWebhook.StartAsync(_ => Task.FromResult(FakeWebhook.Patch(AddLabel)));
        await ApplyAsync(Configuration($"    url: {untrusted.Url}mutate\n    caBundle: {other.CaBundle}", failurePolicy: "Fail"));
        var refused = await Run("run", "untrusted", "--image=x");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("failed calling webhook", refused.Stderr, StringComparison.Ordinal);
        Assert.Empty(untrusted.Requests);
    }

    [KubectlFact]
    public async Task A_service_addressed_webhook_is_reached_through_its_route_and_must_present_the_service_name()
    {
        await using var webhook = await FakeWebhook.StartAsync(_ => Task.FromResult(FakeWebhook.Patch(AddLabel)), "mutator.tools.svc");
        await ApplyAsync(Configuration($"    service: {{namespace: tools, name: mutator, port: 443, path: /mutate}}\n    caBundle: {webhook.CaBundle}"));

        var noEndpoints = await Run("run", "no-endpoints", "--image=x");
        Assert.NotEqual(0, noEndpoints.ExitCode);
        Assert.Contains("has no endpoints", noEndpoints.Stderr, StringComparison.Ordinal);

        Server.RouteService("tools", "mutator", 443, webhook.Url);
        Assert.Equal(0, (await Run("run", "routed", "--image=x")).ExitCode);
        Assert.Equal("yes", await LabelOfAsync("routed"));

        await using var wrongName = await FakeWebhook.StartAsync(_ => Task.FromResult(FakeWebhook.Patch(AddLabel)));
        Server.RouteService("tools", "mutator", 443, wrongName.Url);
        await ApplyAsync(Configuration($"    service: {{namespace: tools, name: mutator, port: 443, path: /mutate}}\n    caBundle: {wrongName.CaBundle}"));
        Assert.NotEqual(0, (await Run("run", "wrong-name", "--image=x")).ExitCode);
    }

    [KubectlFact]
    public async Task A_denial_is_reported_by_kubectl_and_a_v1_configuration_must_declare_no_side_effects()
    {
        await using var webhook = await FakeWebhook.StartAsync(_ => Task.FromResult(new JsonObject
        {
            ["allowed"] = false,
            ["status"] = new JsonObject { ["code"] = 403, ["reason"] = "Forbidden", ["message"] = "no pods on Fridays" },
        }));
        await ApplyAsync(Configuration(Url(webhook)));
        var denied = await Run("run", "denied", "--image=x");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("admission webhook \"pods.mutator.example.com\" denied the request: no pods on Fridays", denied.Stderr, StringComparison.Ordinal);

        var invalid = await Kubectl.RunAsync(Server.KubeconfigPath, Configuration(Url(webhook), sideEffects: "Some"), Timeout, "apply", "-f", "-");
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("webhooks[0].sideEffects", invalid.Stderr, StringComparison.Ordinal);
    }
}
